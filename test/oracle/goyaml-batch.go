// goyaml-batch: the test oracle for the YAML store. It reads framed inputs on stdin (a 4-byte big-endian length,
// then the bytes) and prints one JSON line per input: what go-yaml v3, the parser sops links, makes of it.
//   check: the error of decoding the first document into a Go map, as sops 3.10+ does first ("" when none)
//   docs:  each document as yaml.Node, decoded one by one as sops's store does (aliases by name, not expanded)
//   error: the first decoding error ("" when none)
// Built by test/helpers/goyaml.ts with Debian's golang-go and golang-gopkg-yaml.v3-dev, offline, in GOPATH mode.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

type node struct {
	K   string  `json:"k"`
	T   string  `json:"t,omitempty"`
	St  int     `json:"st,omitempty"`
	V   string  `json:"v,omitempty"`
	A   string  `json:"a,omitempty"`
	L   int     `json:"l"`
	C   int     `json:"c"`
	Hc  string  `json:"hc,omitempty"`
	Lc  string  `json:"lc,omitempty"`
	Fc  string  `json:"fc,omitempty"`
	Ch  []*node `json:"ch,omitempty"`
	Go  *goval  `json:"go,omitempty"`
	De  string  `json:"de,omitempty"`
}

type goval struct {
	Type string `json:"type"`
	V    string `json:"v"`
}

type result struct {
	Check string  `json:"check"`
	Docs  []*node `json:"docs"`
	Error string  `json:"error"`
	Panic string  `json:"panic,omitempty"`
}

var kinds = map[yaml.Kind]string{
	yaml.DocumentNode: "document", yaml.SequenceNode: "sequence", yaml.MappingNode: "mapping",
	yaml.ScalarNode: "scalar", yaml.AliasNode: "alias",
}

func describe(v interface{}) *goval {
	switch x := v.(type) {
	case nil:
		return &goval{"nil", ""}
	case string:
		return &goval{"string", x}
	case bool:
		return &goval{"bool", strconv.FormatBool(x)}
	case int:
		return &goval{"int", strconv.Itoa(x)}
	case int64:
		return &goval{"int", strconv.FormatInt(x, 10)}
	case uint64:
		return &goval{"uint", strconv.FormatUint(x, 10)}
	case float64:
		switch {
		case math.IsNaN(x):
			return &goval{"float", "NaN"}
		case math.IsInf(x, 1):
			return &goval{"float", "+Inf"}
		case math.IsInf(x, -1):
			return &goval{"float", "-Inf"}
		}
		return &goval{"float", strconv.FormatFloat(x, 'g', -1, 64)}
	case time.Time:
		return &goval{"time", x.Format(time.RFC3339Nano)}
	case []byte:
		return &goval{"bytes", base64.StdEncoding.EncodeToString(x)}
	}
	return &goval{fmt.Sprintf("%T", v), fmt.Sprintf("%v", v)}
}

func convert(n *yaml.Node) *node {
	out := &node{K: kinds[n.Kind], St: int(n.Style), A: n.Anchor, L: n.Line, C: n.Column,
		Hc: n.HeadComment, Lc: n.LineComment, Fc: n.FootComment}
	switch n.Kind {
	case yaml.AliasNode:
		out.V = n.Value
		return out
	case yaml.DocumentNode:
	default:
		out.T = n.ShortTag()
	}
	if n.Kind == yaml.ScalarNode {
		out.V = n.Value
		var v interface{}
		if err := n.Decode(&v); err != nil {
			out.De = err.Error()
		} else {
			out.Go = describe(v)
		}
	}
	for _, c := range n.Content {
		out.Ch = append(out.Ch, convert(c))
	}
	return out
}

func run(in []byte) (res result) {
	res.Docs = []*node{}
	defer func() {
		if r := recover(); r != nil {
			res.Panic = fmt.Sprint(r)
		}
	}()
	if len(in) > 0 {
		if err := yaml.NewDecoder(bytes.NewReader(in)).Decode(make(map[string]interface{})); err != nil {
			res.Check = err.Error()
		}
	}
	d := yaml.NewDecoder(bytes.NewReader(in))
	for {
		var doc yaml.Node
		err := d.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			res.Error = err.Error()
			break
		}
		res.Docs = append(res.Docs, convert(&doc))
	}
	return res
}

func main() {
	r := bufio.NewReaderSize(os.Stdin, 1<<20)
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		var n uint32
		if err := binary.Read(r, binary.BigEndian, &n); err != nil {
			break
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			break
		}
		if err := enc.Encode(run(buf)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	}
	w.Flush()
}
