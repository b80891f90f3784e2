// goyaml-batch: the test oracle for the YAML store. It reads framed inputs on stdin (a 4-byte big-endian length,
// then the bytes) and prints one JSON line per input: what go-yaml v3, the parser sops links, makes of it.
//
//	check: the error of decoding the first document into a Go map, as sops 3.10+ does first ("" when none)
//	docs:  each document as yaml.Node, decoded one by one as sops's store does (aliases by name, not expanded)
//	error: the first decoding error ("" when none)
//
// With -emit N each input is instead a tree (JSON, see tree below) and the answer is the YAML that sops's store
// writes for it at indent N: the tree turned into yaml.Nodes as sops does (head comments before an entry, inline
// comments as line comments, leftovers as a foot comment) and written by yaml.v3's encoder.
// Built by test/helpers/goyaml.ts with Debian's golang-go and golang-gopkg-yaml.v3-dev, offline, in GOPATH mode.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

type node struct {
	K  string  `json:"k"`
	T  string  `json:"t,omitempty"`
	St int     `json:"st,omitempty"`
	V  string  `json:"v,omitempty"`
	A  string  `json:"a,omitempty"`
	L  int     `json:"l"`
	C  int     `json:"c"`
	Hc string  `json:"hc,omitempty"`
	Lc string  `json:"lc,omitempty"`
	Fc string  `json:"fc,omitempty"`
	Ch []*node `json:"ch,omitempty"`
	Go *goval  `json:"go,omitempty"`
	De string  `json:"de,omitempty"`
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
		// A !!binary scalar decodes to a Go string of its bytes, which need not be UTF-8 (JSON would replace them).
		if !utf8.ValidString(x) {
			return &goval{"rawstring", base64.StdEncoding.EncodeToString([]byte(x))}
		}
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

// tree is one value of a sops tree as JSON: exactly one field is set. A branch is a list of entries; an entry
// with C set is a comment (I: inline), else K and V are a key and its value.
type tree struct {
	S  *string `json:"s,omitempty"`
	I  *string `json:"i,omitempty"`
	F  *string `json:"f,omitempty"`
	B  *bool   `json:"b,omitempty"`
	N  bool    `json:"n,omitempty"`
	T  *string `json:"t,omitempty"`
	Y  *string `json:"y,omitempty"`
	M  []entry `json:"m,omitempty"`
	L  []litem `json:"l,omitempty"`
	EM bool    `json:"em,omitempty"`
	EL bool    `json:"el,omitempty"`
}

type entry struct {
	C  *string `json:"c,omitempty"`
	In bool    `json:"in,omitempty"`
	K  string  `json:"k"`
	V  *tree   `json:"v,omitempty"`
}

type litem struct {
	C  *string `json:"c,omitempty"`
	In bool    `json:"in,omitempty"`
	V  *tree   `json:"v,omitempty"`
}

func joinComments(cs []string) string {
	out := ""
	for i, c := range cs {
		if i > 0 {
			out += "\n"
		}
		out += "#" + c
	}
	return out
}

func addHead(n *yaml.Node, cs []string) []string {
	if len(cs) > 0 {
		if n.HeadComment != "" {
			n.HeadComment = joinComments(cs) + "\n" + n.HeadComment
		} else {
			n.HeadComment = joinComments(cs)
		}
	}
	return nil
}

func addLine(n *yaml.Node, cs []string) []string {
	if len(cs) > 0 {
		if n.LineComment != "" {
			n.LineComment += "\n" + joinComments(cs)
		} else {
			n.LineComment = joinComments(cs)
		}
	}
	return nil
}

func addFoot(n *yaml.Node, cs []string) []string {
	if len(cs) > 0 {
		if n.FootComment != "" {
			n.FootComment += "\n" + joinComments(cs)
		} else {
			n.FootComment = joinComments(cs)
		}
	}
	return nil
}

func leaf(t *tree) interface{} {
	switch {
	case t.S != nil:
		return *t.S
	case t.I != nil:
		v, _ := strconv.ParseInt(*t.I, 10, 64)
		return v
	case t.F != nil:
		v, _ := strconv.ParseFloat(*t.F, 64)
		return v
	case t.B != nil:
		return *t.B
	case t.T != nil:
		v, _ := time.Parse(time.RFC3339Nano, *t.T)
		return v
	case t.Y != nil:
		// Bytes (from !!binary, or a decrypted value that is not UTF-8) are a Go string in sops's tree.
		v, _ := base64.StdEncoding.DecodeString(*t.Y)
		return string(v)
	}
	return nil
}

func toNode(t *tree) *yaml.Node {
	switch {
	case t.M != nil || t.EM:
		n := &yaml.Node{Kind: yaml.MappingNode}
		appendBranch(t.M, n)
		return n
	case t.L != nil || t.EL:
		n := &yaml.Node{Kind: yaml.SequenceNode}
		var head, inline []string
		beginning := true
		for _, it := range t.L {
			if it.C != nil {
				if it.In {
					inline = append(inline, *it.C)
				} else {
					head = append(head, *it.C)
				}
				continue
			}
			if beginning {
				head = addHead(n, head)
				beginning = false
			}
			item := toNode(it.V)
			head = addHead(item, head)
			inline = addLine(item, inline)
			n.Content = append(n.Content, item)
		}
		head = append(head, inline...)
		if len(head) > 0 {
			if beginning {
				addHead(n, head)
			} else {
				addFoot(n.Content[len(n.Content)-1], head)
			}
		}
		return n
	}
	n := &yaml.Node{}
	if err := n.Encode(leaf(t)); err != nil {
		panic(err)
	}
	return n
}

func appendBranch(b []entry, m *yaml.Node) {
	var head, inline []string
	beginning := true
	for _, e := range b {
		if e.C != nil {
			if e.In {
				inline = append(inline, *e.C)
			} else {
				head = append(head, *e.C)
			}
			continue
		}
		if beginning {
			head = addHead(m, head)
			beginning = false
		}
		k := &yaml.Node{}
		if err := k.Encode(e.K); err != nil {
			panic(err)
		}
		head = addHead(k, head)
		v := toNode(e.V)
		inline = addLine(v, inline)
		m.Content = append(m.Content, k, v)
	}
	head = append(head, inline...)
	if len(head) > 0 {
		if beginning {
			addHead(m, head)
		} else {
			addFoot(m.Content[len(m.Content)-2], head)
		}
	}
}

type emitResult struct {
	Out   string `json:"out"`
	Error string `json:"error"`
}

func emit(in []byte, indent int) (res emitResult) {
	defer func() {
		if r := recover(); r != nil {
			res.Error = fmt.Sprint(r)
		}
	}()
	var docs [][]entry
	if err := json.Unmarshal(in, &docs); err != nil {
		return emitResult{Error: err.Error()}
	}
	var b bytes.Buffer
	e := yaml.NewEncoder(&b)
	e.SetIndent(indent)
	for _, d := range docs {
		doc := yaml.Node{Kind: yaml.DocumentNode}
		m := yaml.Node{Kind: yaml.MappingNode}
		appendBranch(d, &m)
		doc.Content = append(doc.Content, &m)
		if err := e.Encode(&doc); err != nil {
			return emitResult{Error: err.Error()}
		}
	}
	e.Close()
	return emitResult{Out: b.String()}
}

func main() {
	emitIndent := flag.Int("emit", 0, "write trees at this indent instead of reading YAML")
	flag.Parse()
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
		var answer interface{}
		if *emitIndent > 0 {
			answer = emit(buf, *emitIndent)
		} else {
			answer = run(buf)
		}
		if err := enc.Encode(answer); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	}
	w.Flush()
}
