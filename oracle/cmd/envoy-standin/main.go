// Command envoy-standin takes Envoy's place beside Istio's real pilot-agent in the e2e proxy image
// (e2e/istio): no Envoy build can be had on the build machines. It is NOT Envoy and carries no
// traffic. Started by pilot-agent exactly as Envoy would be (`envoy -c <bootstrap> ...`; every
// other flag is accepted and ignored), it reads the bootstrap the agent generated and does what a
// real Envoy does with it that the agent and istiod can observe:
//
//   - xDS: an ADS stream (delta or state-of-the-world, as the bootstrap's ads_config says) to the
//     agent's XDS proxy over the bootstrap's unix socket, with the bootstrap's node (id, cluster,
//     metadata); it subscribes to clusters and listeners and ACKs every response, so the agent
//     opens its upstream stream to istiod and istiod sees a connected proxy with that metadata.
//   - SDS: the `default` and `ROOTCA` secrets from the agent's SDS server (the socket named by the
//     bootstrap's sds-grpc cluster), i.e. the workload certificate the agent obtained from the CA.
//   - admin (the bootstrap's admin port, loopback): `/stats?usedonly&filter=RE` with the stats the
//     agent's readiness probe reads (server.state, workers_started, cds/lds update_success and
//     update_rejected, counted from the ACKs above), `/ready`, `/quitquitquit` (exit),
//     `/drain_listeners`, `/certs` (the SDS secrets as PEM), `/standin` (what xDS delivered).
//   - the health listener of the bootstrap (15021 in Istio's) forwarding `/healthz/ready` to the
//     agent's status port, as Envoy's static route does, and `/stats/prometheus` on the
//     bootstrap's Prometheus listener (15090).
//
// Test infrastructure only (built from the oracle module, never shipped).
package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	secretv3 "github.com/envoyproxy/go-control-plane/envoy/service/secret/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
)

const (
	clusterType  = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	listenerType = "type.googleapis.com/envoy.config.listener.v3.Listener"
	secretType   = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
)

// bootstrap holds what the stand-in reads from the agent's Envoy bootstrap.
type bootstrap struct {
	node          *corev3.Node
	adminPort     int
	xdsSocket     string
	xdsDelta      bool
	sdsSocket     string
	healthPort    int    // listener routing to the agent cluster
	healthTarget  string // agent cluster's address:port
	promPort      int
	listenerPorts []int
}

type state struct {
	mu       sync.Mutex
	stats    map[string]uint64
	received map[string][]string // type URL -> resource names of the last response
	versions map[string]string
	secrets  map[string]string // SDS resource name -> PEM (certificate chain, or trusted CA)
}

func newState() *state {
	return &state{
		stats:    map[string]uint64{"server.state": 0, "listener_manager.workers_started": 1},
		received: map[string][]string{},
		versions: map[string]string{},
		secrets:  map[string]string{},
	}
}

func (s *state) add(stat string, n uint64) {
	s.mu.Lock()
	s.stats[stat] += n
	s.mu.Unlock()
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("envoy-standin: ")
	cfg := ""
	for i, a := range os.Args[1:] {
		if (a == "-c" || a == "--config-path") && i+2 < len(os.Args) {
			cfg = os.Args[i+2]
		} else if strings.HasPrefix(a, "--config-path=") {
			cfg = strings.TrimPrefix(a, "--config-path=")
		}
		if a == "--version" {
			fmt.Println("envoy-standin (not Envoy: a stand-in for Istio's pilot-agent tests)")
			return
		}
	}
	if cfg == "" {
		log.Fatalf("usage: envoy -c <bootstrap.json> [Envoy flags, ignored]")
	}
	b, err := readBootstrap(cfg)
	if err != nil {
		log.Fatalf("%v", err)
	}
	log.Printf("bootstrap %s: node %s, admin :%d, xds %s (delta %v), sds %s, health :%d -> %s", cfg, b.node.GetId(), b.adminPort, b.xdsSocket, b.xdsDelta, b.sdsSocket, b.healthPort, b.healthTarget)
	st := newState()
	ctx := context.Background()
	go serveAdmin(b, st)
	if b.healthPort != 0 {
		go serveHealth(b)
	}
	if b.promPort != 0 {
		go servePrometheus(b, st)
	}
	go forever("xds", func() error { return runXDS(ctx, b, st) })
	go forever("sds", func() error { return runSDS(ctx, b, st) })
	select {}
}

// forever reruns f with a short back-off (as Envoy reconnects its xDS streams).
func forever(what string, f func() error) {
	for {
		if err := f(); err != nil {
			log.Printf("%s stream ended: %v", what, err)
		}
		time.Sleep(time.Second)
	}
}

func readBootstrap(path string) (*bootstrap, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("bootstrap %s: %v", path, err)
	}
	b := &bootstrap{node: &corev3.Node{}}
	nodeJSON, _ := json.Marshal(doc["node"])
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(nodeJSON, b.node); err != nil {
		return nil, fmt.Errorf("bootstrap node: %v", err)
	}
	b.adminPort = intAt(doc, "admin", "address", "socket_address", "port_value")
	ads, _ := get(doc, "dynamic_resources", "ads_config").(map[string]any)
	b.xdsDelta = ads["api_type"] == "DELTA_GRPC"
	static, _ := get(doc, "static_resources").(map[string]any)
	clusters, _ := static["clusters"].([]any)
	addrOf := map[string]string{}
	for _, c := range clusters {
		cm, _ := c.(map[string]any)
		name, _ := cm["name"].(string)
		walk(cm["load_assignment"], func(m map[string]any) {
			if p, ok := m["pipe"].(map[string]any); ok {
				addrOf[name] = "unix:" + fmt.Sprint(p["path"])
			}
			if sa, ok := m["socket_address"].(map[string]any); ok {
				addrOf[name] = fmt.Sprintf("%v:%v", sa["address"], sa["port_value"])
			}
		})
	}
	b.xdsSocket = strings.TrimPrefix(addrOf["xds-grpc"], "unix:")
	b.sdsSocket = strings.TrimPrefix(addrOf["sds-grpc"], "unix:")
	listeners, _ := static["listeners"].([]any)
	for _, l := range listeners {
		lm, _ := l.(map[string]any)
		port := intAt(lm, "address", "socket_address", "port_value")
		b.listenerPorts = append(b.listenerPorts, port)
		routesTo := map[string]bool{}
		walk(lm, func(m map[string]any) {
			if c, ok := m["cluster"].(string); ok {
				routesTo[c] = true
			}
			if r, ok := m["prefix"].(string); ok && strings.Contains(r, "/stats/prometheus") {
				routesTo["prometheus"] = true
			}
		})
		switch {
		case routesTo["agent"]:
			b.healthPort, b.healthTarget = port, addrOf["agent"]
		case routesTo["prometheus"] || routesTo["prometheus_stats"]:
			b.promPort = port
		}
	}
	if b.adminPort == 0 || b.xdsSocket == "" {
		return nil, fmt.Errorf("bootstrap %s: no admin port or xds-grpc pipe", path)
	}
	return b, nil
}

func get(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func intAt(v any, keys ...string) int {
	switch n := get(v, keys...).(type) {
	case float64:
		return int(n)
	case string:
		var i int
		_, _ = fmt.Sscan(n, &i)
		return i
	}
	return 0
}

func walk(v any, f func(map[string]any)) {
	switch t := v.(type) {
	case map[string]any:
		f(t)
		for _, x := range t {
			walk(x, f)
		}
	case []any:
		for _, x := range t {
			walk(x, f)
		}
	}
}

func dial(socket string) (*grpc.ClientConn, error) {
	if !filepath.IsAbs(socket) {
		wd, _ := os.Getwd()
		socket = filepath.Join(wd, socket)
	}
	return grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

func statPrefix(typeURL string) string {
	if typeURL == clusterType {
		return "cluster_manager.cds."
	}
	return "listener_manager.lds."
}

// runXDS subscribes (wildcard) to clusters and listeners and ACKs what arrives.
func runXDS(ctx context.Context, b *bootstrap, st *state) error {
	conn, err := dial(b.xdsSocket)
	if err != nil {
		return err
	}
	defer conn.Close()
	client := discoveryv3.NewAggregatedDiscoveryServiceClient(conn)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if b.xdsDelta {
		stream, err := client.DeltaAggregatedResources(ctx)
		if err != nil {
			return err
		}
		for i, t := range []string{clusterType, listenerType} {
			req := &discoveryv3.DeltaDiscoveryRequest{TypeUrl: t}
			if i == 0 {
				req.Node = b.node
			}
			if err := stream.Send(req); err != nil {
				return err
			}
		}
		for {
			resp, err := stream.Recv()
			if err != nil {
				return err
			}
			names := make([]string, 0, len(resp.Resources))
			for _, r := range resp.Resources {
				names = append(names, r.Name)
			}
			st.record(resp.TypeUrl, resp.SystemVersionInfo, names)
			if err := stream.Send(&discoveryv3.DeltaDiscoveryRequest{TypeUrl: resp.TypeUrl, ResponseNonce: resp.Nonce}); err != nil {
				return err
			}
		}
	}
	stream, err := client.StreamAggregatedResources(ctx)
	if err != nil {
		return err
	}
	for i, t := range []string{clusterType, listenerType} {
		req := &discoveryv3.DiscoveryRequest{TypeUrl: t}
		if i == 0 {
			req.Node = b.node
		}
		if err := stream.Send(req); err != nil {
			return err
		}
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			return err
		}
		names := make([]string, 0, len(resp.Resources))
		for i := range resp.Resources {
			names = append(names, fmt.Sprintf("#%d", i))
		}
		st.record(resp.TypeUrl, resp.VersionInfo, names)
		if err := stream.Send(&discoveryv3.DiscoveryRequest{TypeUrl: resp.TypeUrl, VersionInfo: resp.VersionInfo, ResponseNonce: resp.Nonce}); err != nil {
			return err
		}
	}
}

func (s *state) record(typeURL, version string, names []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sort.Strings(names)
	s.received[typeURL] = names
	s.versions[typeURL] = version
	if typeURL == clusterType || typeURL == listenerType {
		s.stats[statPrefix(typeURL)+"update_success"]++
		if _, ok := s.stats[statPrefix(typeURL)+"update_rejected"]; !ok {
			s.stats[statPrefix(typeURL)+"update_rejected"] = 0
		}
	}
	log.Printf("xds: %s version %q, %d resources", typeURL, version, len(names))
}

// runSDS asks the agent's SDS server for the workload certificate and the root, as Envoy's
// transport sockets do, and keeps the PEMs.
func runSDS(ctx context.Context, b *bootstrap, st *state) error {
	if b.sdsSocket == "" {
		return fmt.Errorf("no sds-grpc pipe in the bootstrap")
	}
	conn, err := dial(b.sdsSocket)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := secretv3.NewSecretDiscoveryServiceClient(conn).StreamSecrets(ctx)
	if err != nil {
		return err
	}
	if err := stream.Send(&discoveryv3.DiscoveryRequest{Node: b.node, TypeUrl: secretType, ResourceNames: []string{"default", "ROOTCA"}}); err != nil {
		return err
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			return err
		}
		for _, r := range resp.Resources {
			sec := &tlsv3.Secret{}
			if err := r.UnmarshalTo(sec); err != nil {
				return err
			}
			pemText := ""
			if c := sec.GetTlsCertificate(); c != nil {
				pemText = string(c.GetCertificateChain().GetInlineBytes())
			} else if v := sec.GetValidationContext(); v != nil {
				pemText = string(v.GetTrustedCa().GetInlineBytes())
			}
			st.mu.Lock()
			st.secrets[sec.Name] = pemText
			st.mu.Unlock()
			blocks := 0
			for rest := []byte(pemText); ; blocks++ {
				var blk *pem.Block
				if blk, rest = pem.Decode(rest); blk == nil {
					break
				}
			}
			log.Printf("sds: secret %q (%d PEM blocks)", sec.Name, blocks)
		}
		if err := stream.Send(&discoveryv3.DiscoveryRequest{TypeUrl: secretType, ResourceNames: []string{"default", "ROOTCA"}, VersionInfo: resp.VersionInfo, ResponseNonce: resp.Nonce}); err != nil {
			return err
		}
	}
}

// sortedStats lists the stat names (those matching filter, when given) in order; the caller holds st.mu.
func (s *state) sortedStats(filter *regexp.Regexp) []string {
	names := make([]string, 0, len(s.stats))
	for n := range s.stats {
		if filter == nil || filter.MatchString(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func serveAdmin(b *bootstrap, st *state) {
	mux := http.NewServeMux()
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		var re *regexp.Regexp
		if f := r.URL.Query().Get("filter"); f != "" {
			var err error
			if re, err = regexp.Compile(f); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		for _, n := range st.sortedStats(re) {
			fmt.Fprintf(w, "%s: %d\n", n, st.stats[n])
		}
	})
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "LIVE\n") })
	mux.HandleFunc("/quitquitquit", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "OK\n")
		go func() { time.Sleep(100 * time.Millisecond); os.Exit(0) }()
	})
	mux.HandleFunc("/drain_listeners", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "OK\n") })
	mux.HandleFunc("/certs", func(w http.ResponseWriter, _ *http.Request) {
		st.mu.Lock()
		defer st.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st.secrets)
	})
	mux.HandleFunc("/standin", func(w http.ResponseWriter, _ *http.Request) {
		st.mu.Lock()
		defer st.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"node":     json.RawMessage(must(protojson.Marshal(b.node))),
			"received": st.received,
			"versions": st.versions,
			"stats":    st.stats,
		})
	})
	log.Fatal(http.ListenAndServe(fmt.Sprintf("127.0.0.1:%d", b.adminPort), mux))
}

func must(b []byte, err error) []byte {
	if err != nil {
		return []byte("null")
	}
	return b
}

// serveHealth is Envoy's static health listener: /healthz/ready is answered by the agent.
func serveHealth(b *bootstrap) {
	client := &http.Client{Timeout: 5 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz/ready", func(w http.ResponseWriter, r *http.Request) {
		resp, err := client.Get("http://" + b.healthTarget + r.URL.RequestURI())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
	log.Fatal(http.ListenAndServe(net.JoinHostPort("0.0.0.0", fmt.Sprint(b.healthPort)), mux))
}

func servePrometheus(b *bootstrap, st *state) {
	mux := http.NewServeMux()
	mux.HandleFunc("/stats/prometheus", func(w http.ResponseWriter, _ *http.Request) {
		st.mu.Lock()
		defer st.mu.Unlock()
		for _, n := range st.sortedStats(nil) {
			m := "envoy_" + strings.NewReplacer(".", "_").Replace(n)
			fmt.Fprintf(w, "# TYPE %s gauge\n%s %d\n", m, m, st.stats[n])
		}
	})
	log.Fatal(http.ListenAndServe(net.JoinHostPort("0.0.0.0", fmt.Sprint(b.promPort)), mux))
}
