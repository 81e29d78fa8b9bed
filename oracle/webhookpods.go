package main

import (
	"encoding/json"
	"fmt"
	"strings"

	openshiftv1 "github.com/openshift/api/apps/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pkg/kube/inject"
)

// The webhook half of Istio's TestInjection turns every injectable document of an input or golden
// file into the Pod a controller would create, and compares pods as Go's typed structs marshal
// them. These ops do the same so that the webhook conformance suite compares like Istio's test.

type webhookPod struct {
	Pod       json.RawMessage `json:"pod"`
	Namespace string          `json:"namespace"`
}

var injectableKinds = map[string]bool{
	"Deployment": true, "DeploymentConfig": true, "DaemonSet": true, "StatefulSet": true, "Job": true,
	"ReplicaSet": true, "ReplicationController": true, "CronJob": true, "Pod": true,
}

// injectableDocs splits a file at "\n---" and expands Lists, keeping the pod-bearing kinds.
func injectableDocs(text string) ([][]byte, error) {
	var out [][]byte
	for _, part := range strings.Split(text, "\n---") {
		docs, err := injectableDoc([]byte(part))
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	return out, nil
}

func injectableDoc(doc []byte) ([][]byte, error) {
	m := map[string]any{}
	if err := yaml.Unmarshal(doc, &m); err != nil {
		return nil, err
	}
	kind, _ := m["kind"].(string)
	if injectableKinds[kind] {
		return [][]byte{doc}, nil
	}
	if kind != "List" {
		return nil, nil
	}
	var list metav1.List
	if err := yaml.Unmarshal(doc, &list); err != nil {
		return nil, err
	}
	var out [][]byte
	for _, item := range list.Items {
		b, err := yaml.Marshal(item)
		if err != nil {
			return nil, err
		}
		docs, err := injectableDoc(b)
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	return out, nil
}

// ownedBy makes pod metadata look created by the named controller.
func ownedBy(m metav1.ObjectMeta, name string, gvk schema.GroupVersionKind) metav1.ObjectMeta {
	controller := true
	m.GenerateName = name
	m.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Name: name, Controller: &controller,
	}}
	return m
}

func podOf(obj runtime.Object) (*corev1.Pod, error) {
	gvk := obj.GetObjectKind().GroupVersionKind()
	fromTemplate := func(t corev1.PodTemplateSpec, name string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: ownedBy(t.ObjectMeta, name, gvk), Spec: t.Spec}
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		return o, nil
	case *batchv1.CronJob:
		t := o.Spec.JobTemplate.Spec.Template
		return &corev1.Pod{ObjectMeta: ownedBy(t.ObjectMeta, o.Name, gvk), Spec: t.Spec}, nil
	case *appsv1.DaemonSet:
		return fromTemplate(o.Spec.Template, o.Name), nil
	case *appsv1.ReplicaSet:
		return fromTemplate(o.Spec.Template, o.Name), nil
	case *corev1.ReplicationController:
		return fromTemplate(*o.Spec.Template, o.Name), nil
	case *appsv1.StatefulSet:
		return fromTemplate(o.Spec.Template, o.Name), nil
	case *batchv1.Job:
		return fromTemplate(o.Spec.Template, o.Name), nil
	case *openshiftv1.DeploymentConfig:
		return fromTemplate(*o.Spec.Template, o.Name), nil
	case *appsv1.Deployment:
		// Pods of a Deployment belong to its ReplicaSet.
		rs := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}
		meta := ownedBy(o.Spec.Template.ObjectMeta, o.Name+"-fake", rs)
		meta.GenerateName += "-"
		if meta.Labels == nil {
			meta.Labels = map[string]string{}
		}
		meta.Labels["pod-template-hash"] = "fake"
		return &corev1.Pod{ObjectMeta: meta, Spec: o.Spec.Template.Spec}, nil
	}
	return nil, fmt.Errorf("unknown type %T", obj)
}

// opWebhookPods: the pods (and request namespaces) Istio's webhook test derives from a file.
func opWebhookPods(req *request) response {
	docs, err := injectableDocs(req.Input)
	if err != nil {
		return fail(err)
	}
	var pods []webhookPod
	for _, d := range docs {
		obj, err := inject.FromRawToObject(d)
		if err != nil {
			return fail(err)
		}
		pod, err := podOf(obj)
		if err != nil {
			return fail(err)
		}
		b, err := json.Marshal(pod)
		if err != nil {
			return fault(err)
		}
		var u struct {
			Metadata struct {
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		_ = yaml.Unmarshal(d, &u)
		pods = append(pods, webhookPod{Pod: b, Namespace: u.Metadata.Namespace})
	}
	b, err := json.Marshal(pods)
	if err != nil {
		return fault(err)
	}
	return response{OK: true, Output: str(string(b))}
}

// opPodNormalize decodes a pod into Go's typed Pod and marshals it back after the scrubbing of
// Istio's normalizeAndCompareDeployments: no status annotation, no fieldRef apiVersion in
// container env, and every ISTIO_METAJSON_* value must be a JSON object of strings.
func opPodNormalize(req *request) response {
	var pod corev1.Pod
	if err := json.Unmarshal(req.Pod, &pod); err != nil {
		return fail(err)
	}
	if req.Raw {
		b, err := json.Marshal(&pod)
		if err != nil {
			return fault(err)
		}
		return response{OK: true, Output: str(string(b))}
	}
	delete(pod.Annotations, "sidecar.istio.io/status")
	for _, c := range pod.Spec.Containers {
		for _, env := range c.Env {
			if env.ValueFrom != nil && env.ValueFrom.FieldRef != nil {
				env.ValueFrom.FieldRef.APIVersion = ""
			}
			if strings.HasPrefix(env.Name, "ISTIO_METAJSON_") {
				var mm map[string]string
				if err := json.Unmarshal([]byte(env.Value), &mm); err != nil {
					return fail(fmt.Errorf("container %s env %s: %v", c.Name, env.Name, err))
				}
			}
		}
	}
	b, err := json.Marshal(&pod)
	if err != nil {
		return fault(err)
	}
	return response{OK: true, Output: str(string(b))}
}
