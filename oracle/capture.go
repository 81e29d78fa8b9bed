package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	_ "unsafe" // go:linkname

	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/knftables"
	"sigs.k8s.io/yaml"

	_ "istio.io/istio/cni/pkg/install" // linked for insertCNIConfig
	"istio.io/istio/cni/pkg/plugin"
	"istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/log"
	"istio.io/istio/tools/common/config"
	iptcapture "istio.io/istio/tools/istio-iptables/pkg/capture"
	iptcmd "istio.io/istio/tools/istio-iptables/pkg/cmd"
	dep "istio.io/istio/tools/istio-iptables/pkg/dependencies"
	nftbuilder "istio.io/istio/tools/istio-nftables/pkg/builder"
	nftcapture "istio.io/istio/tools/istio-nftables/pkg/capture"
)

// Istio's unexported functions the oracle calls directly (their exported callers need a real
// node: a CNI network namespace, an install directory). The signatures are Istio's.

//go:linkname insertCNIConfig istio.io/istio/cni/pkg/install.insertCNIConfig
func insertCNIConfig(newCNIConfig, existingCNIConfig []byte) ([]byte, error)

//go:linkname cniDoAddRun istio.io/istio/cni/pkg/plugin.doAddRun
func cniDoAddRun(args *skel.CmdArgs, conf *plugin.Config, kClient kubernetes.Interface, rulesMgr plugin.InterceptRuleMgr) error

//go:linkname cniParseConfig istio.io/istio/cni/pkg/plugin.parseConfig
func cniParseConfig(stdin []byte) (*plugin.Config, error)

//go:linkname bindCmdlineFlags istio.io/istio/tools/istio-iptables/pkg/cmd.bindCmdlineFlags
func bindCmdlineFlags(cfg *config.Config, cmd *cobra.Command)

//go:linkname cniGetNs istio.io/istio/cni/pkg/plugin.getNs
var cniGetNs func(nspath string) (ns.NetNS, error)

// captureEnv lists every variable Istio's istio-iptables reads besides its flags' own.
var captureEnvExtra = []string{
	"ISTIO_META_DNS_CAPTURE", "INVALID_DROP", "ISTIO_DUAL_STACK", "ISTIO_OUTBOUND_OWNER_GROUPS",
	"ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE", "ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR", "ENVOY_USER", "DRY_RUN_FILE_PATH",
}

func flagEnvNames(cmd *cobra.Command) []string {
	var names []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		names = append(names, strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")))
	})
	return append(names, captureEnvExtra...)
}

// machineFacts replaces what istio-iptables reads from the machine: the pod's addresses (IPv6 on
// or off) and /etc/resolv.conf's servers.
func machineFacts(ipv6 bool) {
	config.LocalIPAddrs = func() ([]net.Addr, error) {
		if ipv6 {
			return []net.Addr{&net.IPNet{IP: net.ParseIP("fd00::2"), Mask: net.CIDRMask(64, 128)}}, nil
		}
		return []net.Addr{&net.IPNet{IP: net.ParseIP("10.0.0.2").To4(), Mask: net.CIDRMask(24, 32)}}, nil
	}
}

// captureConfig parses args and env with Istio's own istio-iptables command (flag bindings,
// environment bindings) and returns the config it filled in.
func captureConfig(req *request) (*config.Config, error) {
	probe := iptcmd.GetCommand(log.DefaultOptions())
	for _, n := range flagEnvNames(probe) {
		_ = os.Unsetenv(n)
	}
	for k, v := range req.Env {
		_ = os.Setenv(k, v)
	}
	defer func() {
		for k := range req.Env {
			_ = os.Unsetenv(k)
		}
	}()
	// Istio's own flag and environment bindings (its GetCommand's), onto a config we keep.
	cfg := config.DefaultConfig()
	cmd := &cobra.Command{Use: "istio-iptables"}
	bindCmdlineFlags(cfg, cmd) // reads the environment now, as Istio's binary does at start
	if err := cmd.ParseFlags(req.Args); err != nil {
		return nil, err
	}
	if rest := cmd.Flags().Args(); len(rest) > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", rest)
	}
	machineFacts(req.IPv6)
	if err := cfg.FillConfigFromEnvironment(); err != nil {
		return nil, err
	}
	if cfg.RedirectDNS && !cfg.CaptureAllDNS {
		// resolv.conf's servers, given verbatim (as Istio's capture tests inject them): split by
		// family, unparsable entries ignored, the text kept as written.
		cfg.DNSServersV4, cfg.DNSServersV6 = nil, nil
		for _, s := range req.DNSServers {
			if ip, err := netip.ParseAddr(s); err == nil {
				if ip.Is4() {
					cfg.DNSServersV4 = append(cfg.DNSServersV4, s)
				} else {
					cfg.DNSServersV6 = append(cfg.DNSServersV6, s)
				}
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// opIptables: istio-iptables' dry run. Output: the commands the iptables dry-run stub records
// (one per line, as DRY_RUN_FILE_PATH gets them), or for --native-nftables the knftables
// transaction text Istio's nft tests dump.
func opIptables(req *request) response {
	cfg, err := captureConfig(req)
	if err != nil {
		return fail(err)
	}
	if cfg.SkipRuleApply {
		return response{OK: true, Output: str("")}
	}
	if cfg.NativeNftables {
		mock := nftbuilder.NewMockNftables("", "")
		provider := func(_ knftables.Family, _ string) (nftbuilder.NftablesAPI, error) { return mock, nil }
		c, err := nftcapture.NewNftablesConfigurator(cfg, provider)
		if err != nil {
			return fail(err)
		}
		tx, err := c.Run()
		if err != nil {
			return fail(err)
		}
		return response{OK: true, Output: str(mock.Dump(tx))}
	}
	stub := &dep.DependenciesStub{}
	c, err := iptcapture.NewIptablesConfigurator(cfg, stub)
	if err != nil {
		return fail(err)
	}
	if err := c.Run(); err != nil {
		return fail(err)
	}
	return response{OK: true, Output: str(strings.Join(stub.ExecutedAll, "\n"))}
}

// ---- CNI plugin: cmdAdd's decisions and rules for a pod served by a fake API server ----

type selfNetNS struct{ path string }

func (n *selfNetNS) Do(f func(ns.NetNS) error) error { return f(n) }
func (n *selfNetNS) Set() error                      { return nil }
func (n *selfNetNS) Path() string                    { return n.path }
func (n *selfNetNS) Fd() uintptr                     { return 0 }
func (n *selfNetNS) Close() error                    { return nil }

func cniConf(runDir string) string {
	return fmt.Sprintf(`{"cniVersion":"1.0.0","name":"k8s-pod-network","type":"istio-cni",
"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/var/run/netns/oracle"}],
"ips":[{"address":"10.0.0.2/24","gateway":"10.0.0.1","interface":0}],"routes":[]},
"plugin_log_level":"none","cni_agent_run_dir":%q,"ambient_enabled":false,
"exclude_namespaces":["istio-system"],"kubernetes":{"kubeconfig":"/dev/null","cni_bin_dir":"/opt/cni/bin"}}`, runDir)
}

// opCNIRules runs the istio-cni plugin's ADD for the pod (with Istio's fake Kubernetes client
// serving it, as Istio's plugin tests do) and returns the iptables dry-run record, or skipped.
func opCNIRules(req *request) response {
	var pod corev1.Pod
	if err := yaml.Unmarshal(req.Pod, &pod); err != nil {
		return fail(fmt.Errorf("pod: %v", err))
	}
	if pod.Name == "" {
		pod.Name = "testPod"
	}
	if pod.Namespace == "" {
		pod.Namespace = "testNS"
	}
	tmp, err := os.MkdirTemp("", "oracle-cni-")
	if err != nil {
		return fault(err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "rules.txt")
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		return fault(err)
	}
	for _, n := range flagEnvNames(iptcmd.GetCommand(log.DefaultOptions())) {
		_ = os.Unsetenv(n)
	}
	_ = os.Setenv(dep.DryRunFilePath.Name, out)
	defer os.Unsetenv(dep.DryRunFilePath.Name)
	machineFacts(req.IPv6)
	cniGetNs = func(p string) (ns.NetNS, error) { return &selfNetNS{path: p}, nil }

	conf, err := cniParseConfig([]byte(cniConf(tmp)))
	if err != nil {
		return fault(err)
	}
	args := &skel.CmdArgs{
		ContainerID: "oracle-container",
		Netns:       "/var/run/netns/oracle",
		IfName:      "eth0",
		Args:        fmt.Sprintf("K8S_POD_NAMESPACE=%s;K8S_POD_NAME=%s;K8S_POD_INFRA_CONTAINER_ID=oracle", pod.Namespace, pod.Name),
		StdinData:   []byte(cniConf(tmp)),
	}
	client := kube.NewFakeClient(&pod)
	err = cniDoAddRun(args, conf, client.Kube(), plugin.IptablesInterceptRuleMgr())
	quietLogs() // doAddRun reconfigures logging
	if err != nil {
		return fail(err)
	}
	rules, err := os.ReadFile(out)
	if err != nil {
		return fault(err)
	}
	if len(strings.TrimSpace(string(rules))) == 0 {
		return response{OK: true, Skipped: true, Output: str("")}
	}
	return response{OK: true, Output: str(string(rules))}
}

// opCNIInsert: install-cni's insertion of the istio-cni entry into an existing CNI config.
func opCNIInsert(req *request) response {
	b, err := insertCNIConfig([]byte(req.Plugin), []byte(req.Existing))
	if err != nil {
		return fail(err)
	}
	return response{OK: true, Output: str(string(b))}
}

var _ = context.Background
