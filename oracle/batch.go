package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"istio.io/istio/pkg/log"
)

// request is one batch line. Op selects the handler; the other fields belong to the op.
type request struct {
	ID json.RawMessage `json:"id,omitempty"`
	Op string          `json:"op"`

	// settings (render, kubeinject, webhook)
	IOP     string   `json:"iop,omitempty"`     // render: an IstioOperator YAML overlay
	Set     []string `json:"set,omitempty"`     // render: --set flags
	Values  string   `json:"values,omitempty"`  // the values key of istio-sidecar-injector
	Config  string   `json:"config,omitempty"`  // the config key of istio-sidecar-injector
	Mesh    string   `json:"mesh,omitempty"`    // MeshConfig YAML/JSON, applied over Istio's defaults
	Overlay string   `json:"overlay,omitempty"` // a MeshConfig YAML applied over Mesh with ApplyMeshConfig
	// MeshExact: Mesh is a complete MeshConfig in protobuf JSON, used as it is (no defaults).
	MeshExact bool   `json:"meshExact,omitempty"`
	Revision  string `json:"revision,omitempty"` // control plane revision

	// istiod environment
	Native     string `json:"native,omitempty"`     // ENABLE_NATIVE_SIDECARS: true|false|auto (default auto)
	Compliance string `json:"compliance,omitempty"` // COMPLIANCE_POLICY
	Platform   string `json:"platform,omitempty"`   // PLATFORM

	// cluster facts
	Nodes      []node      `json:"nodes,omitempty"`      // kubelet versions (webhook; kube-inject with a fake cluster)
	Namespaces []namespace `json:"namespaces,omitempty"` // namespaces with annotations (webhook, OpenShift)
	// LocalCluster: istiod's CLUSTER_ID, the ID the fake cluster is registered under (default Kubernetes)
	LocalCluster string `json:"localCluster,omitempty"`

	// kubeinject
	Input string `json:"input,omitempty"` // manifest text

	// webhook
	Path        string `json:"path,omitempty"`        // request path, default /inject
	Body        string `json:"body,omitempty"`        // request body
	ContentType string `json:"contentType,omitempty"` // default application/json

	// capture
	Args       []string          `json:"args,omitempty"`
	Env        map[string]string `json:"env,omitempty"`
	IPv6       bool              `json:"ipv6,omitempty"`
	DNSServers []string          `json:"dnsServers,omitempty"`

	// cni
	Pod      json.RawMessage `json:"pod,omitempty"`
	Raw      bool            `json:"raw,omitempty"` // pod-normalize: typed round trip only, no scrubbing
	Existing string          `json:"existing,omitempty"`
	Plugin   string          `json:"plugin,omitempty"`
}

type node struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type namespace struct {
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// response is one answer line. Error is Istio's error text when Istio's code failed (an
// expected outcome for invalid input); Fault is set when the oracle itself could not run the op.
type response struct {
	ID       json.RawMessage `json:"id,omitempty"`
	OK       bool            `json:"ok"`
	Error    string          `json:"error,omitempty"`
	Fault    string          `json:"fault,omitempty"`
	Output   *string         `json:"output,omitempty"`
	Warnings []string        `json:"warnings,omitempty"`
	Status   int             `json:"status,omitempty"`
	Body     string          `json:"body,omitempty"`
	Patched  json.RawMessage `json:"patched,omitempty"`
	// PatchError: the webhook's patch did not apply strictly (Patched is then the lenient result).
	PatchError string `json:"patchError,omitempty"`
	Skipped    bool   `json:"skipped,omitempty"`
	Values     string `json:"values,omitempty"`
	Config     string `json:"config,omitempty"`
	Mesh       string `json:"mesh,omitempty"`
	Version    string `json:"version,omitempty"`
	Micros     int64  `json:"micros,omitempty"`
}

var istioDir string // the istio.io/istio module directory (its manifests/ are the charts)

func runBatch(args []string) error {
	fs := flag.NewFlagSet("batch", flag.ContinueOnError)
	fs.StringVar(&istioDir, "istio-dir", "", "directory of the istio.io/istio module (go mod download -json .Dir)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	quietLogs()
	// Everything Istio's code prints to stdout (the CNI plugin's result) must not reach the
	// protocol stream: answers go to the original stdout, os.Stdout becomes /dev/null.
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	os.Stdout = devnull

	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 && !(len(line) == 1 && line[0] == '\n') {
			resp := handleLine(line)
			if err := enc.Encode(resp); err != nil {
				return err
			}
			if err := out.Flush(); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func handleLine(line []byte) (resp response) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return response{Fault: "bad request line: " + err.Error()}
	}
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			resp = response{ID: req.ID, Fault: fmt.Sprintf("panic in op %s: %v\n%s", req.Op, r, debug.Stack())}
		}
		resp.ID = req.ID
		resp.Micros = time.Since(start).Microseconds()
	}()
	switch req.Op {
	case "version":
		return response{OK: true, Version: istioVersion()}
	case "render":
		return opRender(&req)
	case "mesh":
		return opMesh(&req)
	case "kubeinject":
		return opKubeInject(&req)
	case "webhook":
		return opWebhook(&req)
	case "webhook-pods":
		return opWebhookPods(&req)
	case "pod-normalize":
		return opPodNormalize(&req)
	case "iptables":
		return opIptables(&req)
	case "cni-rules":
		return opCNIRules(&req)
	case "cni-insert":
		return opCNIInsert(&req)
	default:
		return response{Fault: fmt.Sprintf("unknown op %q", req.Op)}
	}
}

func fail(err error) response { return response{Error: err.Error()} }

func fault(err error) response { return response{Fault: err.Error()} }

func str(s string) *string { return &s }

// quietLogs silences Istio's loggers: the oracle answers on stdout, diagnostics are not wanted.
func quietLogs() {
	opts := log.DefaultOptions()
	opts.OutputPaths = []string{"stderr"}
	opts.SetDefaultOutputLevel(log.OverrideScopeName, log.NoneLevel)
	_ = log.Configure(opts)
	for _, s := range log.Scopes() {
		s.SetOutputLevel(log.NoneLevel)
	}
}

func istioVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "istio.io/istio" {
				return d.Version
			}
		}
	}
	return "unknown"
}
