package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"

	jsonpatch "github.com/evanphx/json-patch/v5"
	securityv1 "github.com/openshift/api/security/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"google.golang.org/protobuf/encoding/protojson"
	meshconfig "istio.io/api/mesh/v1alpha1"
	"istio.io/istio/operator/pkg/render"
	"istio.io/istio/pilot/pkg/features"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pkg/cluster"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/config/mesh/meshwatcher"
	common_features "istio.io/istio/pkg/features"
	"istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/kube/inject"
	"istio.io/istio/pkg/kube/kclient"
	"istio.io/istio/pkg/kube/krt"
	"istio.io/istio/pkg/kube/kubetypes"
	"istio.io/istio/pkg/kube/multicluster"
	"istio.io/istio/pkg/util/protomarshal"
)

// ---- render: Istio's chart rendered by Istio's operator code, as TestInjection does ----

// opRender renders the istiod chart of the module (manifests/) for an IstioOperator overlay and
// --set flags with profile=empty and pilot enabled (getInjectionSettings in Istio's tests) and
// returns the istio-sidecar-injector ConfigMap's values and config and the istio ConfigMap's mesh.
func opRender(req *request) response {
	if istioDir == "" {
		return fault(fmt.Errorf("render needs --istio-dir"))
	}
	set := append([]string{}, req.Set...)
	set = append(set, "installPackagePath="+filepath.Join(istioDir, "manifests"), "profile=empty", "components.pilot.enabled=true")
	var files []string
	if req.IOP != "" {
		f, err := os.CreateTemp("", "oracle-iop-*.yaml")
		if err != nil {
			return fault(err)
		}
		defer os.Remove(f.Name())
		if _, err := f.WriteString(req.IOP); err != nil {
			return fault(err)
		}
		_ = f.Close()
		files = []string{f.Name()}
	}
	sets, _, err := render.GenerateManifest(files, set, false, nil, nil)
	if err != nil {
		return fail(fmt.Errorf("generate manifests: %v", err))
	}
	var out response
	for _, s := range sets {
		for _, o := range s.Manifests {
			if o.GetKind() != "ConfigMap" {
				continue
			}
			data, _ := o.Object["data"].(map[string]any)
			switch o.GetName() {
			case "istio-sidecar-injector":
				out.Values, _ = data["values"].(string)
				out.Config, _ = data["config"].(string)
			case "istio":
				out.Mesh, _ = data["mesh"].(string)
			}
		}
	}
	if out.Values == "" || out.Config == "" || out.Mesh == "" {
		return fault(fmt.Errorf("rendered chart lacks the injector or mesh ConfigMap"))
	}
	out.OK = true
	return out
}

// opMesh applies a mesh text over Istio's defaults (as istioctl's --meshConfigFile does), then an
// optional overlay with ApplyMeshConfig, and prints the result as protobuf JSON.
func opMesh(req *request) response {
	m, err := meshFrom(req)
	if err != nil {
		return fail(err)
	}
	js, err := protomarshal.ToJSONWithIndent(m, "  ")
	if err != nil {
		return fault(err)
	}
	return response{OK: true, Mesh: js}
}

func meshFrom(req *request) (*meshconfig.MeshConfig, error) {
	var m *meshconfig.MeshConfig
	if req.MeshExact {
		m = &meshconfig.MeshConfig{}
		if err := protojson.Unmarshal([]byte(req.Mesh), m); err != nil {
			return nil, err
		}
	} else {
		var err error
		if m, err = mesh.ApplyMeshConfigDefaults(req.Mesh); err != nil {
			return nil, err
		}
	}
	if req.Overlay != "" {
		var err error
		if m, err = mesh.ApplyMeshConfig(req.Overlay, m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ---- parsed settings, remembered per text ----

type settings struct {
	config *inject.Config
	values inject.ValuesConfig
	rawVal string
	mesh   *meshconfig.MeshConfig
}

var (
	settingsCache = map[string]*settings{}
	settingsMu    sync.Mutex
)

func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func loadSettings(req *request) (*settings, error) {
	key := hashOf(req.Values, req.Config, req.Mesh, req.Overlay, fmt.Sprint(req.MeshExact))
	settingsMu.Lock()
	defer settingsMu.Unlock()
	if s, ok := settingsCache[key]; ok {
		return s, nil
	}
	cfg, err := inject.UnmarshalConfig([]byte(req.Config))
	if err != nil {
		return nil, err
	}
	vc, err := inject.NewValuesConfig(req.Values)
	if err != nil {
		return nil, err
	}
	m, err := meshFrom(req)
	if err != nil {
		return nil, err
	}
	s := &settings{config: &cfg, values: vc, rawVal: req.Values, mesh: m}
	if len(settingsCache) > 256 {
		settingsCache = map[string]*settings{}
	}
	settingsCache[key] = s
	return s, nil
}

// applyEnv sets istiod's environment-derived globals for one request (batch mode is sequential).
func applyEnv(req *request) {
	switch req.Native {
	case "true":
		features.EnableNativeSidecars = features.NativeSidecarModeEnabled
	case "false":
		features.EnableNativeSidecars = features.NativeSidecarModeDisabled
	default:
		features.EnableNativeSidecars = features.NativeSidecarModeAuto
	}
	common_features.CompliancePolicy = req.Compliance
	if req.Platform != "" {
		_ = os.Setenv("PLATFORM", req.Platform)
	} else {
		_ = os.Unsetenv("PLATFORM")
	}
}

// ---- a fake cluster holding the given nodes and namespaces (as TestInjection builds it) ----

func clusterObjects(nodes []node, nss []namespace) []runtime.Object {
	var objects []runtime.Object
	for i, n := range nodes {
		name := n.Name
		if name == "" {
			name = fmt.Sprintf("node-%d", i+1)
		}
		objects = append(objects, &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Status:     corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{KubeletVersion: n.Version}},
		})
	}
	for _, ns := range nss {
		objects = append(objects, &corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: ns.Name, Labels: ns.Labels, Annotations: ns.Annotations},
		})
	}
	return objects
}

// OpenShiftTestNamespace is the namespace Istio's tests give an SCC range.
var openShiftTestNamespace = namespace{Name: "test-ns", Annotations: map[string]string{
	securityv1.UIDRangeAnnotation:           "1000620000/10000",
	securityv1.SupplementalGroupsAnnotation: "1000620000/10000",
}}

type fakeInjector struct {
	client kube.Client
	stop   chan struct{}
}

func (f *fakeInjector) Inject(*corev1.Pod, string) ([]byte, error) { return nil, nil }
func (f *fakeInjector) GetKubeClient() kube.Client                 { return f.client }

// injectorCache and webhookCache keep fake clusters across requests (building one costs
// milliseconds). When a cache is full it is emptied and every fake cluster in it is stopped:
// a cluster's informers run until their stop channel closes and keep it reachable, so without
// that a long fuzzing run grew the oracle past 10 GiB and the kernel's OOM killer stopped it.
const maxCachedClusters = 64

var injectorCache = map[string]*fakeInjector{}

func injectorFor(nodes []node) inject.Injector {
	if nodes == nil {
		return nil // istioctl offline: no cluster
	}
	b, _ := json.Marshal(nodes)
	if inj, ok := injectorCache[string(b)]; ok {
		return inj
	}
	client := kube.NewFakeClient(clusterObjects(nodes, nil)...)
	// The node informer must exist before the client starts so that it is synced when
	// IntoObject lists nodes (Istio's test registers it through its multicluster components).
	_ = kclient.New[*corev1.Node](client)
	stop := make(chan struct{})
	client.RunAndWait(stop)
	inj := &fakeInjector{client: client, stop: stop}
	if len(injectorCache) >= maxCachedClusters {
		for _, old := range injectorCache {
			close(old.stop)
		}
		injectorCache = map[string]*fakeInjector{}
	}
	injectorCache[string(b)] = inj
	return inj
}

// ---- kube-inject ----

func opKubeInject(req *request) response {
	s, err := loadSettings(req)
	if err != nil {
		return fail(err)
	}
	applyEnv(req)
	var out bytes.Buffer
	var warnings []string
	warn := func(w string) { warnings = append(warnings, w) }
	if err := inject.IntoResourceFile(injectorFor(req.Nodes), s.config.Templates, s.values, req.Revision, s.mesh,
		strings.NewReader(req.Input), &out, warn); err != nil {
		return response{Error: err.Error(), Warnings: warnings}
	}
	return response{OK: true, Output: str(out.String()), Warnings: warnings}
}

// ---- webhook: Istio's handler (serveInject) behind an http.ServeMux ----

type staticWatcher struct {
	config *inject.Config
	values string
}

func (w *staticWatcher) SetHandler(func(*inject.Config, string) error) {}
func (w *staticWatcher) Run(<-chan struct{})                           {}
func (w *staticWatcher) Get() (*inject.Config, string, error)          { return w.config, w.values, nil }

type webhookInstance struct {
	mux  *http.ServeMux
	wh   *inject.Webhook
	stop chan struct{} // stops its fake cluster when the cache evicts it
}

var webhookCache = map[string]*webhookInstance{}

// newWebhook builds Istio's webhook with NewWebhook as istiod does. Construction happens with
// native sidecars "auto" and PLATFORM=openshift so that the node and namespace clients exist;
// each request then sets the real environment (both are read per request).
// localCluster is istiod's own cluster ID (CLUSTER_ID; "" means Istio's default, Kubernetes):
// the fake cluster is registered under it, so a pod whose cluster (URL override, else
// values.global.multiCluster.clusterName, else Kubernetes) differs finds no client, as in istiod.
func newWebhook(s *settings, revision string, nodes []node, nss []namespace, localCluster string) (*webhookInstance, error) {
	if revision == "" {
		revision = "default"
	}
	if localCluster == "" {
		localCluster = constants.DefaultClusterName
	}
	b, _ := json.Marshal([]any{nodes, nss, localCluster})
	key := hashOf(s.rawVal, fmt.Sprintf("%p", s), revision, string(b))
	if w, ok := webhookCache[key]; ok {
		return w, nil
	}
	savedNative := features.EnableNativeSidecars
	features.EnableNativeSidecars = features.NativeSidecarModeAuto
	savedPlatform, hadPlatform := os.LookupEnv("PLATFORM")
	_ = os.Setenv("PLATFORM", "openshift")
	defer func() {
		features.EnableNativeSidecars = savedNative
		if hadPlatform {
			_ = os.Setenv("PLATFORM", savedPlatform)
		} else {
			_ = os.Unsetenv("PLATFORM")
		}
	}()

	// A static mesh watcher as meshwatcher.NewTestWatcher builds it, minus its registration in
	// krt's global debug handler: that registry would keep every webhook ever built reachable
	// (through the mesh handler NewWebhook adds), with its settings and fake cluster.
	env := &model.Environment{Watcher: meshwatcher.ConfigAdapter(krt.NewStatic(&meshwatcher.MeshConfigResource{MeshConfig: s.mesh}, true, krt.WithName("MeshConfig")))}
	env.SetPushContext(&model.PushContext{ProxyConfigs: &model.ProxyConfigs{}})
	multi := multicluster.NewFakeController()
	mux := http.NewServeMux()
	wh, err := inject.NewWebhook(inject.WebhookParameters{
		Watcher:      &staticWatcher{config: s.config, values: s.rawVal},
		Env:          env,
		Mux:          mux,
		Revision:     revision,
		MultiCluster: multi,
	})
	if err != nil {
		return nil, err
	}
	client := kube.NewFakeClient(clusterObjects(nodes, nss)...)
	stop := make(chan struct{})
	multi.Add(cluster.ID(localCluster), client, stop)
	client.RunAndWait(stop)
	_ = kubetypes.Filter{}
	inst := &webhookInstance{mux: mux, wh: wh, stop: stop}
	if len(webhookCache) >= maxCachedClusters {
		for _, old := range webhookCache {
			close(old.stop)
		}
		webhookCache = map[string]*webhookInstance{}
	}
	webhookCache[key] = inst
	return inst, nil
}

func opWebhook(req *request) response {
	s, err := loadSettings(req)
	if err != nil {
		return fail(err)
	}
	inst, err := newWebhook(s, req.Revision, req.Nodes, req.Namespaces, req.LocalCluster)
	if err != nil {
		return fail(err)
	}
	applyEnv(req)
	path := req.Path
	if path == "" {
		path = "/inject"
	}
	ct := req.ContentType
	if ct == "" {
		ct = "application/json"
	}
	hr := httptest.NewRequest(http.MethodPost, "https://istiod.istio-system.svc:443"+path, strings.NewReader(req.Body))
	hr.Header.Set("Content-Type", ct)
	rec := httptest.NewRecorder()
	inst.mux.ServeHTTP(rec, hr)
	resp := response{OK: true, Status: rec.Code, Body: rec.Body.String()}
	if rec.Code == http.StatusOK {
		patched, err := applyReviewPatch(req.Body, rec.Body.Bytes(), false)
		if err != nil {
			// Istio's patch does not apply as the API server would apply it. What it meant:
			// the same patch with missing parents created on add.
			resp.PatchError = err.Error()
			patched, err = applyReviewPatch(req.Body, rec.Body.Bytes(), true)
		}
		if err != nil {
			resp.Error = "applying the response patch: " + err.Error()
		} else {
			resp.Patched = patched
		}
	}
	return resp
}

// applyReviewPatch applies the response's JSON patch to the request's object as the API server
// would (evanphx/json-patch, as Istio's tests do). No patch: the object unchanged.
func applyReviewPatch(reqBody string, respBody []byte, lenient bool) (json.RawMessage, error) {
	var reqReview struct {
		Request struct {
			Object json.RawMessage `json:"object"`
		} `json:"request"`
	}
	var respReview struct {
		Response *struct {
			Allowed bool   `json:"allowed"`
			Patch   []byte `json:"patch"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(reqBody), &reqReview); err != nil {
		return nil, nil //nolint: nilerr // not a review: nothing to patch
	}
	if err := json.Unmarshal(respBody, &respReview); err != nil || respReview.Response == nil || !respReview.Response.Allowed {
		return nil, nil //nolint: nilerr
	}
	if len(respReview.Response.Patch) == 0 {
		return reqReview.Request.Object, nil
	}
	p, err := jsonpatch.DecodePatch(respReview.Response.Patch)
	if err != nil {
		return nil, err
	}
	opts := jsonpatch.NewApplyOptions()
	opts.EnsurePathExistsOnAdd = lenient
	out, err := p.ApplyWithOptions(reqReview.Request.Object, opts)
	if err != nil {
		return nil, err
	}
	return out, nil
}
