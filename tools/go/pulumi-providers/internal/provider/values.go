package provider

import (
	"fmt"
	"math"
)

// Accessors for plain input values (numbers arrive as float64).

func String(in Values, k string) string {
	s, _ := in[k].(string)
	return s
}

func Bool(in Values, k string) bool {
	b, _ := in[k].(bool)
	return b
}

// Int returns an integer input; ok=false when it is unset.
func Int(in Values, k string) (int64, bool) {
	f, ok := in[k].(float64)
	return int64(f), ok
}

func Strings(in Values, k string) []string {
	var out []string
	if l, ok := in[k].([]any); ok {
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func Map(in Values, k string) map[string]any {
	m, _ := in[k].(map[string]any)
	return m
}

// SetDefault sets in[k] = v when k is unset.
func SetDefault(in Values, k string, v any) {
	if _, ok := in[k]; !ok {
		in[k] = v
	}
}

// CheckInt reports a failure when in[k] is set but not a whole number in [lo, hi].
func CheckInt(in Values, k string, lo, hi int64) []Failure {
	v, ok := in[k]
	if !ok {
		return nil
	}
	f, isNum := v.(float64)
	if !isNum || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		if hi == math.MaxInt64 {
			return []Failure{{k, fmt.Sprintf("%s must be a whole number of at least %d, got %v", k, lo, v)}}
		}
		return []Failure{{k, fmt.Sprintf("%s must be a whole number between %d and %d, got %v", k, lo, hi, v)}}
	}
	return nil
}

// Copy returns a shallow copy.
func Copy(in Values) Values {
	out := Values{}
	for k, v := range in {
		out[k] = v
	}
	return out
}
