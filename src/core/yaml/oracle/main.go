// Command oracle is a development aid for sidecar-kit's YAML/JSON emulation: it runs the real Go
// libraries that istioctl uses (sigs.k8s.io/yaml over go-yaml v2, encoding/json) on inputs read
// line by line from stdin, and writes one JSON-encoded result string per line. Errors are written
// as "ERR <message>".
//
//	emit  : each line is a JSON value; prints sigs.k8s.io/yaml.Marshal(value)
//	parse : each line is a JSON string holding YAML; prints sigs.k8s.io/yaml.YAMLToJSON(text)
//	json  : each line is a JSON value; prints json.Marshal(value)
//	indent: each line is a JSON value; prints json.MarshalIndent(value, "", "  ")
//
// Build without modules against Debian's packaged sources (golang-go,
// golang-gopkg-yaml.v2-dev, golang-k8s-sigs-yaml-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/yaml-oracle .
package main

import (
	"bufio"
	"encoding/json"
	"os"

	"sigs.k8s.io/yaml"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 16<<20), 16<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		result, err := run(os.Args[1], in.Bytes())
		if err != nil {
			result = "ERR " + err.Error()
		}
		if err := out.Encode(result); err != nil {
			panic(err)
		}
	}
}

func run(mode string, line []byte) (string, error) {
	if mode == "parse" {
		var text string
		if err := json.Unmarshal(line, &text); err != nil {
			return "", err
		}
		j, err := yaml.YAMLToJSON([]byte(text))
		return string(j), err
	}
	var value interface{}
	if err := json.Unmarshal(line, &value); err != nil {
		return "", err
	}
	var b []byte
	var err error
	switch mode {
	case "emit":
		b, err = yaml.Marshal(value)
	case "json":
		b, err = json.Marshal(value)
	case "indent":
		b, err = json.MarshalIndent(value, "", "  ")
	default:
		panic("unknown mode " + mode)
	}
	return string(b), err
}
