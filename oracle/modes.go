package main

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"
	_ "unsafe" // go:linkname

	"k8s.io/apimachinery/pkg/runtime"

	"istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/kube/inject"
)

//go:linkname webhookInject istio.io/istio/pkg/kube/inject.(*Webhook).inject
func webhookInject(wh *inject.Webhook, ar *kube.AdmissionReview, path string) *kube.AdmissionResponse

func readSettingsFiles(values, config, mesh string) (*request, error) {
	req := &request{}
	for _, f := range []struct {
		path string
		dst  *string
	}{{values, &req.Values}, {config, &req.Config}, {mesh, &req.Mesh}} {
		if f.path == "" {
			return nil, errors.New("--values, --config and --mesh are required")
		}
		b, err := os.ReadFile(f.path)
		if err != nil {
			return nil, err
		}
		*f.dst = string(b)
	}
	return req, nil
}

// webhookFromFiles is the set-up both webhook modes share: Istio's settings from the files, the
// webhook built on them (revision "default", no cluster facts), istiod's environment applied.
func webhookFromFiles(values, config, mesh, native string) (*webhookInstance, error) {
	quietLogs()
	req, err := readSettingsFiles(values, config, mesh)
	if err != nil {
		return nil, err
	}
	req.Native = native
	s, err := loadSettings(req)
	if err != nil {
		return nil, err
	}
	inst, err := newWebhook(s, "default", nil, nil, "")
	if err != nil {
		return nil, err
	}
	applyEnv(req)
	return inst, nil
}

// runServeWebhook serves Istio's injection webhook (NewWebhook's /inject handler, as istiod
// registers it) over HTTPS until SIGTERM/SIGINT. It prints "listening <addr>" when ready.
func runServeWebhook(args []string) error {
	fs := flag.NewFlagSet("serve-webhook", flag.ContinueOnError)
	values := fs.String("values", "", "values file (istio-sidecar-injector values key)")
	config := fs.String("config", "", "injector config file (istio-sidecar-injector config key)")
	mesh := fs.String("mesh", "", "mesh config file")
	cert := fs.String("cert", "", "TLS certificate (PEM)")
	key := fs.String("key", "", "TLS key (PEM)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	native := fs.String("native", "auto", "ENABLE_NATIVE_SIDECARS")
	if err := fs.Parse(args); err != nil {
		return err
	}
	inst, err := webhookFromFiles(*values, *config, *mesh, *native)
	if err != nil {
		return err
	}
	pair, err := tls.LoadX509KeyPair(*cert, *key)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           inst.mux,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Printf("listening %s\n", ln.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		_ = srv.Close()
	}()
	if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// runBenchInject times Istio's in-process injection of each pod file (as BenchmarkInjection
// does: Webhook.inject on an AdmissionReview holding the pod's JSON) and prints one JSON line per
// pod: {"file", "iterations", "meanMicros", "p50Micros", "p99Micros"}.
func runBenchInject(args []string) error {
	fs := flag.NewFlagSet("bench-inject", flag.ContinueOnError)
	values := fs.String("values", "", "values file")
	config := fs.String("config", "", "injector config file")
	mesh := fs.String("mesh", "", "mesh config file")
	minTime := fs.Duration("time", 2*time.Second, "minimum measuring time per pod")
	native := fs.String("native", "false", "ENABLE_NATIVE_SIDECARS")
	if err := fs.Parse(args); err != nil {
		return err
	}
	inst, err := webhookFromFiles(*values, *config, *mesh, *native)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	for _, file := range fs.Args() {
		podJSON, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var meta struct {
			Metadata struct {
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		_ = json.Unmarshal(podJSON, &meta)
		run := func() (time.Duration, error) {
			t0 := time.Now()
			r := webhookInject(inst.wh, &kube.AdmissionReview{Request: &kube.AdmissionRequest{
				Object: runtime.RawExtension{Raw: podJSON}, Namespace: meta.Metadata.Namespace,
			}}, "")
			d := time.Since(t0)
			if r == nil || !r.Allowed {
				return d, fmt.Errorf("%s: Istio did not inject: %+v", file, r)
			}
			return d, nil
		}
		for i := 0; i < 200; i++ { // warm-up
			if _, err := run(); err != nil {
				return err
			}
		}
		var samples []time.Duration
		var total time.Duration
		for total < *minTime || len(samples) < 100 {
			d, err := run()
			if err != nil {
				return err
			}
			samples = append(samples, d)
			total += d
		}
		sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
		micros := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
		if err := enc.Encode(map[string]any{
			"file": file, "iterations": len(samples),
			"meanMicros": micros(total / time.Duration(len(samples))),
			"p50Micros":  micros(samples[len(samples)/2]),
			"p99Micros":  micros(samples[len(samples)*99/100]),
		}); err != nil {
			return err
		}
	}
	return nil
}
