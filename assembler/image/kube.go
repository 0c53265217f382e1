package image

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// Service is a service part, as Kubernetes runs it.
type Service struct {
	Part  string
	Argv  []string
	Ports []int
}

// Kubernetes writes the objects that run the services of the image
// (ref, by digest) on Kubernetes, as one YAML stream: etc/ as a
// ConfigMap (and a Secret, for the files others may not read), var/ as
// a PersistentVolumeClaim, and for each service part a Deployment and,
// when it has ports, a Service.
func Kubernetes(s *Spec, ref string, services []Service, varSize string) ([]byte, error) {
	base := dnsName(s.Instance)
	cm, secret, items, err := etcObjects(s, base)
	if err != nil {
		return nil, err
	}
	size, err := resource.ParseQuantity(varSize)
	if err != nil {
		return nil, fmt.Errorf("var size %q: %w", varSize, err)
	}
	pvc := &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: meta(base+"-var", s.Instance, ""),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: size}},
		},
	}
	objs := []any{cm, secret, pvc}
	for _, svc := range services {
		d, srv := serviceObjects(s, ref, base, items, svc)
		objs = append(objs, d)
		if srv != nil {
			objs = append(objs, srv)
		}
	}
	var out bytes.Buffer
	for _, o := range objs {
		data, err := yaml.Marshal(o)
		if err != nil {
			return nil, err
		}
		out.WriteString("---\n")
		out.Write(data)
	}
	return out.Bytes(), nil
}

var notDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// dnsName is name as Kubernetes names objects: lower case, digits, '-'.
func dnsName(name string) string {
	n := strings.Trim(notDNS.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(n) > 50 {
		n = n[:50]
	}
	return n
}

func meta(name, instance, component string) metav1.ObjectMeta {
	labels := map[string]string{"app.kubernetes.io/managed-by": "assemble", "app.kubernetes.io/instance": dnsName(instance)}
	if component != "" {
		labels["app.kubernetes.io/component"] = dnsName(component)
	}
	return metav1.ObjectMeta{Name: name, Labels: labels}
}

// etcObjects puts etc/'s files into a ConfigMap, and those others may
// not read into a Secret, with the items that put each back at its path.
func etcObjects(s *Spec, base string) (*corev1.ConfigMap, *corev1.Secret, []corev1.VolumeProjection, error) {
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: meta(base+"-etc", s.Instance, ""), Data: map[string]string{}}
	secret := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: meta(base+"-etc-private", s.Instance, ""), Data: map[string][]byte{}}
	var cmItems, secretItems []corev1.KeyToPath
	n := 0
	err := filepath.WalkDir(s.Etc, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == s.Etc {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(s.Etc, p)
		n++
		key := fmt.Sprintf("f%03d.%s", n, notKey.ReplaceAllString(filepath.Base(rel), "_"))
		mode := int32(info.Mode().Perm())
		item := corev1.KeyToPath{Key: key, Path: filepath.ToSlash(rel), Mode: &mode}
		switch {
		case info.Mode().Perm()&0o004 == 0:
			secret.Data[key] = data
			secretItems = append(secretItems, item)
		case utf8.Valid(data):
			cm.Data[key] = string(data)
			cmItems = append(cmItems, item)
		default: // a ConfigMap's data is text
			if cm.BinaryData == nil {
				cm.BinaryData = map[string][]byte{}
			}
			cm.BinaryData[key] = data
			cmItems = append(cmItems, item)
		}
		return nil
	})
	items := []corev1.VolumeProjection{
		{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: cm.Name}, Items: cmItems}},
		{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: secret.Name}, Items: secretItems}},
	}
	return cm, secret, items, err
}

var notKey = regexp.MustCompile(`[^-._a-zA-Z0-9]+`)

// serviceObjects runs a service part: a Deployment of one replica
// running its command in the image, as the instance's user, with etc/
// and var/ mounted where they are on the host; and a Service for its
// ports.
func serviceObjects(s *Spec, ref, base string, items []corev1.VolumeProjection, svc Service) (*appsv1.Deployment, *corev1.Service) {
	name := base + "-" + dnsName(svc.Part)
	m := meta(name, s.Instance, svc.Part)
	one := int32(1)
	c := corev1.Container{
		Name: "service", Image: ref, Command: svc.Argv, WorkingDir: s.Dir,
		VolumeMounts: []corev1.VolumeMount{{Name: "etc", MountPath: s.Etc, ReadOnly: true}, {Name: "var", MountPath: s.Var}},
	}
	for _, p := range svc.Ports {
		c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: int32(p), Protocol: corev1.ProtocolTCP})
	}
	if s.User != "" {
		uid, gid := int64(s.UID), int64(s.GID)
		c.SecurityContext = &corev1.SecurityContext{RunAsUser: &uid, RunAsGroup: &gid}
	}
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: m,
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: m.Labels},
			// One var/ volume, written by one pod at a time.
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: m.Labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{c},
					Volumes: []corev1.Volume{
						{Name: "etc", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: items}}},
						{Name: "var", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: base + "-var"}}},
					},
				},
			},
		},
	}
	if len(svc.Ports) == 0 {
		return d, nil
	}
	srv := &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: m,
		Spec: corev1.ServiceSpec{Selector: m.Labels}}
	ports := append([]int(nil), svc.Ports...)
	sort.Ints(ports)
	for _, p := range ports {
		srv.Spec.Ports = append(srv.Spec.Ports, corev1.ServicePort{Name: fmt.Sprintf("tcp-%d", p), Port: int32(p), TargetPort: intstr.FromInt32(int32(p)), Protocol: corev1.ProtocolTCP})
	}
	return d, srv
}
