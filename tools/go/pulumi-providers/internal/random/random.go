// Package random implements the resources of @pulumi/random 4.21.1 (upstream: the Terraform random provider,
// bridged) with the same inputs, defaults, outputs, IDs, import formats and replacement rules, using
// crypto/rand for every generated value. RandomPet is not implemented: its word lists are upstream data.
package random

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/big"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	p "pipeline-service/tools/pulumi-providers/internal/provider"
)

const (
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars = "0123456789"
	// Upstream's default special characters (override with overrideSpecial).
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

// Resources is the table served by pulumi-resource-random.
func Resources() map[string]p.Resource {
	return map[string]p.Resource{
		"random:index/randomPassword:RandomPassword": stringResource(true),
		"random:index/randomString:RandomString":     stringResource(false),
		"random:index/randomId:RandomId":             randomID(),
		"random:index/randomInteger:RandomInteger":   randomInteger(),
		"random:index/randomBytes:RandomBytes":       randomBytes(),
		"random:index/randomShuffle:RandomShuffle":   randomShuffle(),
		"random:index/randomUuid:RandomUuid":         randomUUID(4),
		"random:index/randomUuid4:RandomUuid4":       randomUUID(4),
		"random:index/randomUuid7:RandomUuid7":       randomUUID(7),
	}
}

// uniform returns a uniformly distributed integer in [0, n).
func uniform(n int) (int, error) {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, err
	}
	return int(v.Int64()), nil
}

func pick(charset string, n int64) ([]byte, error) {
	out := make([]byte, 0, n)
	for i := int64(0); i < n; i++ {
		j, err := uniform(len(charset))
		if err != nil {
			return nil, err
		}
		out = append(out, charset[j])
	}
	return out, nil
}

// --- RandomPassword / RandomString ---------------------------------------------------------------------

var stringBools = []string{"lower", "upper", "numeric", "special"}
var stringMins = []string{"minLower", "minUpper", "minNumeric", "minSpecial"}

func stringDefaults(in p.Values) {
	for _, k := range []string{"lower", "upper", "special"} {
		p.SetDefault(in, k, true)
	}
	for _, k := range stringMins {
		p.SetDefault(in, k, float64(0))
	}
	// `number` is upstream's deprecated alias of `numeric`: either one set decides both.
	_, hasNum := in["number"]
	_, hasNumeric := in["numeric"]
	switch {
	case hasNum && !hasNumeric:
		in["numeric"] = in["number"]
	case hasNumeric && !hasNum:
		in["number"] = in["numeric"]
	case !hasNum && !hasNumeric:
		in["number"], in["numeric"] = true, true
	}
}

func stringValidate(in p.Values) []p.Failure {
	var f []p.Failure
	if _, ok := in["length"]; !ok {
		f = append(f, p.Failure{Property: "length", Reason: "length is required"})
	}
	f = append(f, p.CheckInt(in, "length", 1, math.MaxInt32)...)
	var sum int64
	for _, k := range stringMins {
		f = append(f, p.CheckInt(in, k, 0, math.MaxInt32)...)
		v, _ := p.Int(in, k)
		sum += v
	}
	if l, ok := p.Int(in, "length"); ok && l < sum {
		f = append(f, p.Failure{Property: "length", Reason: fmt.Sprintf(
			"length (%d) must be at least the sum of minLower, minUpper, minNumeric and minSpecial (%d)", l, sum)})
	}
	if n, ok := in["number"].(bool); ok {
		if m, ok := in["numeric"].(bool); ok && n != m {
			f = append(f, p.Failure{Property: "numeric", Reason: "number (deprecated) and numeric must agree; set only numeric"})
		}
	}
	return f
}

// generateString: the min* characters of each class first (a class's minimum applies even when the class is
// off, as upstream), the rest from the union of the enabled classes, then a uniform shuffle.
func generateString(in p.Values) (string, error) {
	length, _ := p.Int(in, "length")
	special := specialChars
	if o := p.String(in, "overrideSpecial"); o != "" {
		special = o
	}
	classes := map[string]string{"lower": lowerChars, "upper": upperChars, "numeric": numericChars, "special": special}
	all := ""
	var out []byte
	for i, k := range stringBools {
		if p.Bool(in, k) {
			all += classes[k]
		}
		n, _ := p.Int(in, stringMins[i])
		b, err := pick(classes[k], n)
		if err != nil {
			return "", err
		}
		out = append(out, b...)
	}
	rest := length - int64(len(out))
	if rest > 0 && all == "" {
		return "", errors.New("no character class is enabled (lower, upper, numeric, special are all false)")
	}
	b, err := pick(all, rest)
	if err != nil {
		return "", err
	}
	out = append(out, b...)
	for i := len(out) - 1; i > 0; i-- {
		j, err := uniform(i + 1)
		if err != nil {
			return "", err
		}
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

func bcryptHash(s string) (string, error) {
	b := []byte(s)
	if len(b) > 72 {
		b = b[:72] // bcrypt only ever uses the first 72 bytes; x/crypto refuses longer input
	}
	h, err := bcrypt.GenerateFromPassword(b, bcrypt.DefaultCost)
	return string(h), err
}

func stringResource(password bool) p.Resource {
	finish := func(in p.Values, result string) (string, p.Values, error) {
		out := p.Copy(in)
		out["result"] = result
		if !password {
			return result, out, nil // RandomString's ID is its value
		}
		h, err := bcryptHash(result)
		if err != nil {
			return "", nil, err
		}
		out["bcryptHash"] = h
		return "none", out, nil
	}
	return p.Resource{
		Defaults: stringDefaults,
		Validate: stringValidate,
		Create: func(in p.Values) (string, p.Values, error) {
			s, err := generateString(in)
			if err != nil {
				return "", nil, err
			}
			return finish(in, s)
		},
		// Import: the ID is the value itself; the inputs are upstream's defaults with length = its length.
		Import: func(id string) (string, p.Values, p.Values, error) {
			if id == "" {
				return "", nil, nil, errors.New("the import ID is the value itself and must not be empty")
			}
			in := p.Values{"length": float64(len(id))}
			stringDefaults(in)
			newID, st, err := finish(in, id)
			return newID, st, in, err
		},
	}
}

// --- RandomId ---------------------------------------------------------------------------------------------

func idOutputs(in p.Values, b []byte) p.Values {
	prefix := p.String(in, "prefix")
	out := p.Copy(in)
	out["b64Url"] = prefix + base64.RawURLEncoding.EncodeToString(b)
	out["b64Std"] = prefix + base64.StdEncoding.EncodeToString(b)
	out["hex"] = prefix + hex.EncodeToString(b)
	out["dec"] = prefix + new(big.Int).SetBytes(b).String()
	return out
}

func randomID() p.Resource {
	return p.Resource{
		Validate: func(in p.Values) []p.Failure {
			if _, ok := in["byteLength"]; !ok {
				return []p.Failure{{Property: "byteLength", Reason: "byteLength is required"}}
			}
			return p.CheckInt(in, "byteLength", 1, math.MaxInt32)
		},
		Create: func(in p.Values) (string, p.Values, error) {
			n, _ := p.Int(in, "byteLength")
			b := make([]byte, n)
			if _, err := rand.Read(b); err != nil {
				return "", nil, err
			}
			return base64.RawURLEncoding.EncodeToString(b), idOutputs(in, b), nil
		},
		// Import: "<b64Url>" or "<prefix>,<b64Url>".
		Import: func(id string) (string, p.Values, p.Values, error) {
			prefix, enc := "", id
			if i := strings.LastIndex(id, ","); i >= 0 {
				prefix, enc = id[:i], id[i+1:]
			}
			b, err := base64.RawURLEncoding.DecodeString(enc)
			if err != nil || len(b) == 0 {
				return "", nil, nil, fmt.Errorf("expected [<prefix>,]<b64Url> with unpadded URL-safe base64, got %q", id)
			}
			in := p.Values{"byteLength": float64(len(b))}
			if prefix != "" {
				in["prefix"] = prefix
			}
			return enc, idOutputs(in, b), in, nil
		},
	}
}

// --- RandomInteger -----------------------------------------------------------------------------------------

// seeded returns a deterministic generator for a seed string (the same seed gives the same result), else a
// generator seeded from crypto/rand.
func seeded(seed string, has bool) (*mrand.Rand, error) {
	var s1, s2 uint64
	if has {
		h := fnv.New128a()
		h.Write([]byte(seed))
		sum := h.Sum(nil)
		s1, s2 = binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])
	} else {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		s1, s2 = binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	}
	return mrand.New(mrand.NewPCG(s1, s2)), nil
}

func randomInteger() p.Resource {
	return p.Resource{
		Validate: func(in p.Values) []p.Failure {
			var f []p.Failure
			for _, k := range []string{"min", "max"} {
				if _, ok := in[k]; !ok {
					f = append(f, p.Failure{Property: k, Reason: k + " is required"})
				}
				f = append(f, p.CheckInt(in, k, math.MinInt64/2, math.MaxInt64/2)...)
			}
			lo, ok1 := p.Int(in, "min")
			hi, ok2 := p.Int(in, "max")
			if ok1 && ok2 && hi < lo {
				f = append(f, p.Failure{Property: "max", Reason: fmt.Sprintf("max (%d) must be at least min (%d)", hi, lo)})
			}
			return f
		},
		Create: func(in p.Values) (string, p.Values, error) {
			lo, _ := p.Int(in, "min")
			hi, _ := p.Int(in, "max")
			seed, hasSeed := in["seed"].(string)
			var r int64
			if hasSeed {
				g, err := seeded(seed, true)
				if err != nil {
					return "", nil, err
				}
				r = lo + g.Int64N(hi-lo+1)
			} else {
				v, err := rand.Int(rand.Reader, big.NewInt(hi-lo+1))
				if err != nil {
					return "", nil, err
				}
				r = lo + v.Int64()
			}
			out := p.Copy(in)
			out["result"] = float64(r)
			return strconv.FormatInt(r, 10), out, nil
		},
		// Import: "<result>,<min>,<max>" or "<result>,<min>,<max>,<seed>".
		Import: func(id string) (string, p.Values, p.Values, error) {
			parts := strings.Split(id, ",")
			if len(parts) != 3 && len(parts) != 4 {
				return "", nil, nil, fmt.Errorf("expected <result>,<min>,<max>[,<seed>], got %q", id)
			}
			var n [3]int64
			for i := 0; i < 3; i++ {
				v, err := strconv.ParseInt(parts[i], 10, 64)
				if err != nil {
					return "", nil, nil, fmt.Errorf("expected <result>,<min>,<max>[,<seed>] with integers, got %q", id)
				}
				n[i] = v
			}
			in := p.Values{"min": float64(n[1]), "max": float64(n[2])}
			if len(parts) == 4 {
				in["seed"] = parts[3]
			}
			out := p.Copy(in)
			out["result"] = float64(n[0])
			return parts[0], out, in, nil
		},
	}
}

// --- RandomBytes -------------------------------------------------------------------------------------------

func bytesOutputs(in p.Values, b []byte) p.Values {
	out := p.Copy(in)
	out["base64"] = base64.StdEncoding.EncodeToString(b)
	out["hex"] = hex.EncodeToString(b)
	return out
}

func randomBytes() p.Resource {
	return p.Resource{
		Validate: func(in p.Values) []p.Failure {
			if _, ok := in["length"]; !ok {
				return []p.Failure{{Property: "length", Reason: "length is required"}}
			}
			return p.CheckInt(in, "length", 1, math.MaxInt32)
		},
		Create: func(in p.Values) (string, p.Values, error) {
			n, _ := p.Int(in, "length")
			b := make([]byte, n)
			if _, err := rand.Read(b); err != nil {
				return "", nil, err
			}
			return "none", bytesOutputs(in, b), nil
		},
		Import: func(id string) (string, p.Values, p.Values, error) {
			b, err := base64.StdEncoding.DecodeString(id)
			if err != nil || len(b) == 0 {
				return "", nil, nil, fmt.Errorf("expected the bytes as standard base64, got %q", id)
			}
			in := p.Values{"length": float64(len(b))}
			return "none", bytesOutputs(in, b), in, nil
		},
	}
}

// --- RandomShuffle -----------------------------------------------------------------------------------------

func randomShuffle() p.Resource {
	return p.Resource{
		Validate: func(in p.Values) []p.Failure {
			if _, ok := in["inputs"]; !ok {
				return []p.Failure{{Property: "inputs", Reason: "inputs is required"}}
			}
			return p.CheckInt(in, "resultCount", 0, math.MaxInt32)
		},
		// resultCount defaults to the number of inputs; more than that repeats items, each shuffled pass
		// using every item once (upstream's documented behaviour). A seed makes the order deterministic.
		Create: func(in p.Values) (string, p.Values, error) {
			items := p.Strings(in, "inputs")
			n, ok := p.Int(in, "resultCount")
			if !ok {
				n = int64(len(items))
			}
			seed, hasSeed := in["seed"].(string)
			g, err := seeded(seed, hasSeed && seed != "")
			if err != nil {
				return "", nil, err
			}
			results := []any{}
			for int64(len(results)) < n && len(items) > 0 {
				pass := append([]string(nil), items...)
				g.Shuffle(len(pass), func(i, j int) { pass[i], pass[j] = pass[j], pass[i] })
				for _, s := range pass {
					if int64(len(results)) == n {
						break
					}
					results = append(results, s)
				}
			}
			out := p.Copy(in)
			out["results"] = results
			return "-", out, nil
		},
	}
}

// --- RandomUuid / RandomUuid4 / RandomUuid7 -----------------------------------------------------------------

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func newUUID(version int) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	if version == 7 { // RFC 9562: 48-bit Unix milliseconds first
		ms := uint64(time.Now().UnixMilli())
		for i := 0; i < 6; i++ {
			b[i] = byte(ms >> (8 * (5 - i)))
		}
	}
	b[6] = (b[6] & 0x0f) | byte(version<<4)
	b[8] = (b[8] & 0x3f) | 0x80
	return formatUUID(b), nil
}

func randomUUID(version int) p.Resource {
	return p.Resource{
		Create: func(in p.Values) (string, p.Values, error) {
			u, err := newUUID(version)
			if err != nil {
				return "", nil, err
			}
			out := p.Copy(in)
			out["result"] = u
			return u, out, nil
		},
		Import: func(id string) (string, p.Values, p.Values, error) {
			h := strings.ReplaceAll(id, "-", "")
			if b, err := hex.DecodeString(h); err != nil || len(b) != 16 || len(id) != 36 {
				return "", nil, nil, fmt.Errorf("expected a UUID (8-4-4-4-12 hex digits), got %q", id)
			}
			u := strings.ToLower(id)
			return u, p.Values{"result": u}, p.Values{}, nil
		},
	}
}
