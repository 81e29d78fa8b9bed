// Command oracle runs Istio's own code (imported from the istio.io/istio Go module pinned in
// go.mod) on sidecar-kit's inputs and prints Istio's answer. It is test infrastructure only: it is
// never shipped and nothing in the product depends on it.
//
// Modes:
//
//	oracle batch --istio-dir DIR      JSON lines: one request per stdin line, one answer per stdout line
//	oracle serve-webhook FLAGS        Istio's injection webhook handler over HTTPS (benchmarks)
//	oracle bench-inject FLAGS         Istio's in-process injection timed (benchmarks)
//
// Istio's own binaries for the side-by-side benchmarks (istioctl, istio-cni, and istio-iptables
// as cmd/istio-iptables) are built from the same module by the benchmark helper.
//
// Batch requests are objects with an "op" field; see ops.go for each op's fields.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: oracle batch|serve-webhook|bench-inject ...")
		os.Exit(2)
	}
	mode, args := os.Args[1], os.Args[2:]
	var err error
	switch mode {
	case "batch":
		err = runBatch(args)
	case "serve-webhook":
		err = runServeWebhook(args)
	case "bench-inject":
		err = runBenchInject(args)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(1)
	}
}
