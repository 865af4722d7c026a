package jepsenlog

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the kind of an EDN value.
type Kind uint8

// The kinds of EDN value this reader knows: what Jepsen writes into a
// history.
const (
	Nil Kind = iota
	Bool
	Int
	Float
	String
	Char
	Keyword
	Symbol
	Vector
	List
	Set
	Map
	Tagged
)

var kindNames = [...]string{"nil", "boolean", "integer", "number", "string", "character", "keyword", "symbol", "vector", "list", "set", "map", "tagged value"}

func (k Kind) String() string { return kindNames[k] }

// Value is an EDN value. Text is a scalar as written (a number's digits, a
// string's content unescaped, a keyword's or symbol's name without ':', a
// tag's name); Items are a collection's elements (a map's keys and values
// alternating; a tagged value's one value).
type Value struct {
	Kind  Kind
	Text  string
	Items []Value
}

// String prints the value as EDN.
func (v Value) String() string {
	switch v.Kind {
	case Nil:
		return "nil"
	case String:
		return strconv.Quote(v.Text)
	case Char:
		return `\` + v.Text
	case Keyword:
		return ":" + v.Text
	case Vector, List, Set, Map:
		parts := make([]string, len(v.Items))
		for i, it := range v.Items {
			parts[i] = it.String()
		}
		if v.Kind == Map {
			pairs := make([]string, 0, len(parts)/2)
			for i := 0; i+1 < len(parts); i += 2 {
				pairs = append(pairs, parts[i]+" "+parts[i+1])
			}
			return "{" + strings.Join(pairs, ", ") + "}"
		}
		brackets := map[Kind][2]string{Vector: {"[", "]"}, List: {"(", ")"}, Set: {"#{", "}"}}[v.Kind]
		return brackets[0] + strings.Join(parts, " ") + brackets[1]
	case Tagged:
		return "#" + v.Text + " " + v.Items[0].String()
	}
	return v.Text
}

// Get returns the value of a map's keyword key.
func (v Value) Get(keyword string) (Value, bool) {
	for i := 0; i+1 < len(v.Items); i += 2 {
		if k := v.Items[i]; k.Kind == Keyword && k.Text == keyword {
			return v.Items[i+1], true
		}
	}
	return Value{}, false
}

// maxDepth bounds nesting, so that a hostile line cannot exhaust the
// stack.
const maxDepth = 100

// parseEDN reads one EDN value from s, which must hold nothing else but
// white space, commas and comments.
func parseEDN(s string) (Value, error) {
	p := &ednParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.skip()
	if p.i < len(p.s) {
		return Value{}, p.errorf("unexpected %q after the value", p.rest())
	}
	return v, nil
}

type ednParser struct {
	s string
	i int
}

func (p *ednParser) errorf(format string, args ...any) error {
	return fmt.Errorf("column %d: %s", p.i+1, fmt.Sprintf(format, args...))
}

// rest is a short excerpt of what is left, for errors.
func (p *ednParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

// skip passes white space, commas, comments and discarded values (#_).
func (p *ednParser) skip() {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			p.i++
		case c == ';':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		default:
			return
		}
	}
}

func isDelim(c byte) bool {
	return strings.IndexByte(" \t\r\n,()[]{}\";", c) >= 0
}

func (p *ednParser) token() string {
	start := p.i
	for p.i < len(p.s) && !isDelim(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *ednParser) value(depth int) (Value, error) {
	if depth > maxDepth {
		return Value{}, p.errorf("nested more than %d deep", maxDepth)
	}
	p.skip()
	if p.i >= len(p.s) {
		return Value{}, p.errorf("the line ends where a value should be")
	}
	switch c := p.s[p.i]; c {
	case '[':
		p.i++
		return p.items(Vector, ']', depth)
	case '(':
		p.i++
		return p.items(List, ')', depth)
	case '{':
		p.i++
		v, err := p.items(Map, '}', depth)
		if err == nil && len(v.Items)%2 != 0 {
			return Value{}, p.errorf("a map with a key and no value")
		}
		return v, err
	case ')', ']', '}':
		return Value{}, p.errorf("unexpected %q", c)
	case '"':
		return p.str()
	case '\\':
		p.i++
		start := p.i
		if p.i < len(p.s) {
			_, n := utf8.DecodeRuneInString(p.s[p.i:])
			p.i += n
		}
		for p.i < len(p.s) && !isDelim(p.s[p.i]) {
			p.i++
		}
		if p.i == start {
			return Value{}, p.errorf("a character literal with no character")
		}
		return Value{Kind: Char, Text: p.s[start:p.i]}, nil
	case '#':
		p.i++
		if p.i < len(p.s) && p.s[p.i] == '{' {
			p.i++
			return p.items(Set, '}', depth)
		}
		if p.i < len(p.s) && p.s[p.i] == '_' {
			p.i++
			if _, err := p.value(depth + 1); err != nil {
				return Value{}, err
			}
			return p.value(depth)
		}
		tag := p.token()
		if tag == "" {
			return Value{}, p.errorf("a '#' with no tag")
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		return Value{Kind: Tagged, Text: tag, Items: []Value{v}}, nil
	case ':':
		p.i++
		name := p.token()
		if name == "" {
			return Value{}, p.errorf("a ':' with no keyword")
		}
		return Value{Kind: Keyword, Text: name}, nil
	}
	start := p.i
	tok := p.token()
	if tok == "" {
		return Value{}, p.errorf("unexpected %q", p.rest())
	}
	switch tok {
	case "nil":
		return Value{Kind: Nil}, nil
	case "true", "false":
		return Value{Kind: Bool, Text: tok}, nil
	}
	if c := tok[0]; c >= '0' && c <= '9' || (c == '-' || c == '+') && len(tok) > 1 && tok[1] >= '0' && tok[1] <= '9' {
		return number(tok, start)
	}
	return Value{Kind: Symbol, Text: tok}, nil
}

// number reads an integer (an N suffix is a big integer) or a floating
// point number (an M suffix is a big decimal), keeping its text.
func number(tok string, col int) (Value, error) {
	digits := strings.TrimSuffix(strings.TrimSuffix(tok, "N"), "M")
	if _, err := strconv.ParseInt(digits, 10, 64); err == nil && !strings.HasSuffix(tok, "M") {
		return Value{Kind: Int, Text: digits}, nil
	}
	if _, err := strconv.ParseFloat(digits, 64); err == nil {
		return Value{Kind: Float, Text: digits}, nil
	}
	if strings.HasSuffix(tok, "N") && strings.Trim(strings.TrimLeft(digits, "+-"), "0123456789") == "" {
		return Value{Kind: Int, Text: digits}, nil // past 64 bits: the text is the value
	}
	return Value{}, fmt.Errorf("column %d: %q is not a number", col+1, tok)
}

func (p *ednParser) items(kind Kind, close byte, depth int) (Value, error) {
	v := Value{Kind: kind}
	for {
		p.skip()
		if p.i >= len(p.s) {
			return Value{}, p.errorf("the line ends before the %s is closed (%q)", kind, close)
		}
		if p.s[p.i] == close {
			p.i++
			return v, nil
		}
		it, err := p.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		v.Items = append(v.Items, it)
	}
}

func (p *ednParser) str() (Value, error) {
	start := p.i
	p.i++ // the opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '"':
			p.i++
			return Value{Kind: String, Text: b.String()}, nil
		case '\\':
			if p.i+1 >= len(p.s) {
				p.i = start
				return Value{}, p.errorf("a string that is not closed")
			}
			p.i++
			switch e := p.s[p.i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '"', '\\':
				b.WriteByte(e)
			case 'u':
				if p.i+4 >= len(p.s) {
					return Value{}, p.errorf("a \\u escape with fewer than 4 hex digits")
				}
				r, err := strconv.ParseUint(p.s[p.i+1:p.i+5], 16, 32)
				if err != nil {
					return Value{}, p.errorf("bad \\u escape %q", p.s[p.i+1:p.i+5])
				}
				b.WriteRune(rune(r))
				p.i += 4
			default:
				return Value{}, p.errorf("unknown escape \\%c in a string", e)
			}
			p.i++
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	p.i = start
	return Value{}, p.errorf("a string that is not closed")
}
