// Command istio-iptables is Istio's istio-iptables command (the code pilot-agent runs for the
// istio-init container), built from the pinned module for the side-by-side benchmark.
package main

import (
	"os"

	"istio.io/istio/pkg/log"
	"istio.io/istio/tools/istio-iptables/pkg/cmd"
)

func main() {
	opts := log.DefaultOptions()
	if err := cmd.GetCommand(opts).Execute(); err != nil {
		os.Exit(1)
	}
}
