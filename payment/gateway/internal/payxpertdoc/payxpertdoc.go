// Package payxpertdoc holds a message against PayXpert's documented
// exchanges (payment/gateway/testdata/payxpert): the client's tests and the
// simulator's tests check their JSON with the same rule, while the two
// never share a wire struct. Test support only.
package payxpertdoc

import (
	"fmt"
	"sort"
)

// Undocumented reports the fields of got that doc (the fixture) lacks or
// types differently. An array in doc stands for the union of its elements'
// fields: each element of got is checked against it. path prefixes the
// reports ("" at the top).
func Undocumented(path string, got, doc any) []string {
	if Kind(got) != Kind(doc) {
		return []string{fmt.Sprintf("%s: %s, documented as %s", path, Kind(got), Kind(doc))}
	}
	var out []string
	switch d := doc.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for _, k := range SortedKeys(g) {
			if _, ok := d[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s: not a documented field", path, k))
				continue
			}
			out = append(out, Undocumented(path+"."+k, g[k], d[k])...)
		}
	case []any:
		union := map[string]any{}
		for _, e := range d {
			if m, ok := e.(map[string]any); ok {
				for k, v := range m {
					if _, seen := union[k]; !seen {
						union[k] = v
					}
				}
			}
		}
		for i, e := range got.([]any) {
			out = append(out, Undocumented(fmt.Sprintf("%s[%d]", path, i), e, union)...)
		}
	}
	return out
}

// Kind is the JSON type of a value decoded into any.
func Kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// SortedKeys returns m's keys in order, for reports that read the same
// from run to run.
func SortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
