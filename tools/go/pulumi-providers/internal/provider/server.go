// Package provider is a small implementation of Pulumi's resource provider gRPC protocol for providers whose
// resources compute everything locally (random values, keys, certificates): a table of resources, each with
// its defaults, validation and lifecycle, and generic Check/Diff/Create/Read/Update/Delete around it.
// Which outputs are secret and which properties are inputs is read from the embedded upstream schema, so the
// plugin and the SDK generated from that schema cannot disagree.
package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Values are plain Go values: string, bool, float64, []any, map[string]any (secrets and unknowns removed).
type Values = map[string]any

// Failure is a Check failure on one input property.
type Failure struct{ Property, Reason string }

// Resource is one resource type. Only Create is mandatory.
type Resource struct {
	// Defaults fills in the defaults upstream applies to unset inputs (may be nil).
	Defaults func(in Values)
	// Validate returns the input errors; it runs only on known values.
	Validate func(in Values) []Failure
	// Updatable lists the inputs that change in place; every other input forces a replacement (ForceNew).
	Updatable []string
	// Create computes the outputs (which include the inputs) and the ID.
	Create func(in Values) (id string, out Values, err error)
	// Update recomputes the outputs for in-place changes (required when Updatable is not empty).
	Update func(id string, olds, news Values) (Values, error)
	// Refresh recomputes state on `pulumi refresh` (nil: the state is returned unchanged).
	Refresh func(id string, state Values) (Values, error)
	// Import builds state and inputs from an ID (nil: the resource cannot be imported).
	Import func(id string) (newID string, state, inputs Values, err error)
	// ReplaceReasons reports extra replacement triggers of an existing resource (e.g. a certificate ready for
	// renewal): the property names it returns are reported as replace keys.
	ReplaceReasons func(olds, news Values) []string
}

// Function is an Invoke target.
type Function func(args Values) (Values, error)

type schemaSpec struct {
	Resources map[string]struct {
		InputProperties map[string]struct{} `json:"inputProperties"`
		Properties      map[string]struct {
			Secret bool `json:"secret"`
		} `json:"properties"`
	} `json:"resources"`
	Functions map[string]struct {
		Outputs struct {
			Properties map[string]struct {
				Secret bool `json:"secret"`
			} `json:"properties"`
		} `json:"outputs"`
	} `json:"functions"`
}

type resourceInfo struct {
	impl    Resource
	inputs  []string
	outputs map[string]bool // name -> secret
}

// Server implements pulumirpc.ResourceProviderServer.
type Server struct {
	pulumirpc.UnimplementedResourceProviderServer
	name, version string
	schema        string
	resources     map[string]resourceInfo
	functions     map[string]Function
	fnSecrets     map[string]map[string]bool
}

// New checks that every resource and function of the table is in the schema and builds the server.
// Resource types of the schema missing from the table get a clear "not implemented" error when used.
func New(name, version, schema string, resources map[string]Resource, functions map[string]Function) (*Server, error) {
	var spec schemaSpec
	if err := json.Unmarshal([]byte(schema), &spec); err != nil {
		return nil, fmt.Errorf("the embedded %s schema is not valid JSON: %w", name, err)
	}
	s := &Server{name: name, version: version, schema: schema, resources: map[string]resourceInfo{},
		functions: functions, fnSecrets: map[string]map[string]bool{}}
	for tok, r := range resources {
		rs, ok := spec.Resources[tok]
		if !ok {
			return nil, fmt.Errorf("resource %s is not in the %s schema", tok, name)
		}
		info := resourceInfo{impl: r, outputs: map[string]bool{}}
		for k := range rs.InputProperties {
			info.inputs = append(info.inputs, k)
		}
		sort.Strings(info.inputs)
		for k, p := range rs.Properties {
			info.outputs[k] = p.Secret
		}
		s.resources[tok] = info
	}
	for tok := range functions {
		fs, ok := spec.Functions[tok]
		if !ok {
			return nil, fmt.Errorf("function %s is not in the %s schema", tok, name)
		}
		sec := map[string]bool{}
		for k, p := range fs.Outputs.Properties {
			sec[k] = p.Secret
		}
		s.fnSecrets[tok] = sec
	}
	return s, nil
}

var opts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, opts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, opts)
}

// plain turns a property value into a plain Go value, dropping secret wrappers; ok=false when it holds unknowns.
func plain(v resource.PropertyValue) (any, bool) {
	switch {
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsComputed():
		return nil, false
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return nil, false
		}
		return plain(o.Element)
	case v.IsNull():
		return nil, true
	case v.IsBool():
		return v.BoolValue(), true
	case v.IsNumber():
		return v.NumberValue(), true
	case v.IsString():
		return v.StringValue(), true
	case v.IsArray():
		out := []any{}
		for _, e := range v.ArrayValue() {
			pe, ok := plain(e)
			if !ok {
				return nil, false
			}
			out = append(out, pe)
		}
		return out, true
	case v.IsObject():
		return plainMap(v.ObjectValue())
	default:
		return nil, false
	}
}

func plainMap(m resource.PropertyMap) (Values, bool) {
	out := Values{}
	known := true
	for k, v := range m {
		pv, ok := plain(v)
		if !ok {
			known = false
			continue
		}
		if pv != nil {
			out[string(k)] = pv
		}
	}
	return out, known
}

func isSecret(v resource.PropertyValue) bool {
	return v.IsSecret() || (v.IsOutput() && v.OutputValue().Secret)
}

// toProps builds the wire form of outputs: schema-secret outputs are secret; an output that echoes its input
// keeps the input's value as given, secrets nested anywhere in it included (a keeper holding a password); an
// output computed from an input that held a secret is secret as a whole.
func (r resourceInfo) toProps(out Values, inputs resource.PropertyMap) resource.PropertyMap {
	pm := resource.PropertyMap{}
	for k, v := range out {
		if v == nil {
			continue
		}
		pv := resource.NewPropertyValue(v)
		if in, ok := inputs[resource.PropertyKey(k)]; ok && in.ContainsSecrets() {
			if pin, known := plain(in); known && equalPlain(pin, v) {
				pv = in
			} else {
				pv = resource.MakeSecret(pv)
			}
		}
		if r.outputs[k] && !pv.IsSecret() {
			pv = resource.MakeSecret(pv)
		}
		pm[resource.PropertyKey(k)] = pv
	}
	return pm
}

func (s *Server) lookup(urnOrType, typ string) (string, resourceInfo, error) {
	tok := typ
	if tok == "" {
		// URN: urn:pulumi:stack::project::[parent$]type::name
		parts := strings.Split(urnOrType, "::")
		if len(parts) >= 3 {
			t := parts[2]
			if i := strings.LastIndex(t, "$"); i >= 0 {
				t = t[i+1:]
			}
			tok = t
		}
	}
	r, ok := s.resources[tok]
	if !ok {
		return tok, r, status.Errorf(codes.Unimplemented,
			"%s is not implemented by this build of pulumi-resource-%s %s (implemented: %s)",
			tok, s.name, s.version, strings.Join(s.tokens(), ", "))
	}
	return tok, r, nil
}

func (s *Server) tokens() []string {
	var t []string
	for k := range s.resources {
		t = append(t, k)
	}
	sort.Strings(t)
	return t
}

func (s *Server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: s.version}, nil
}

func (s *Server) GetSchema(_ context.Context, req *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	if req.GetSubpackageName() != "" {
		return nil, status.Errorf(codes.InvalidArgument, "pulumi-resource-%s has no sub-packages (asked for %q)", s.name, req.GetSubpackageName())
	}
	return &pulumirpc.GetSchemaResponse{Schema: s.schema}, nil
}

func (s *Server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *Server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	// Nothing in the provider configuration affects existing resources (upstream: only tls' proxy, used by
	// getCertificate's URL fetch): a change is an in-place update of the provider, never a replacement.
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var diffs []string
	for _, k := range unionKeys(olds, news) {
		if !equalValues(olds[resource.PropertyKey(k)], news[resource.PropertyKey(k)]) {
			diffs = append(diffs, k)
		}
	}
	if len(diffs) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: diffs}, nil
}

func (s *Server) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}, nil
}

func (s *Server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (s *Server) GetMapping(context.Context, *pulumirpc.GetMappingRequest) (*pulumirpc.GetMappingResponse, error) {
	return &pulumirpc.GetMappingResponse{}, nil
}

func (s *Server) GetMappings(context.Context, *pulumirpc.GetMappingsRequest) (*pulumirpc.GetMappingsResponse, error) {
	return &pulumirpc.GetMappingsResponse{}, nil
}

func (s *Server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	_, r, err := s.lookup(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	// Properties the schema does not declare are an error, as in the SDKs' typed args.
	var failures []*pulumirpc.CheckFailure
	for k := range news {
		if !contains(r.inputs, string(k)) && !strings.HasPrefix(string(k), "__") {
			failures = append(failures, &pulumirpc.CheckFailure{Property: string(k),
				Reason: fmt.Sprintf("%q is not an input of this resource (inputs: %s)", k, strings.Join(r.inputs, ", "))})
		}
	}
	if r.impl.Defaults != nil {
		vals, _ := plainMap(news)
		before := Values{}
		for k, v := range vals {
			before[k] = v
		}
		r.impl.Defaults(vals)
		for k, v := range vals {
			if _, had := news[resource.PropertyKey(k)]; !had || !equalPlain(before[k], v) {
				if old, ok := news[resource.PropertyKey(k)]; ok && !old.IsNull() && (old.IsComputed() || old.IsOutput() && !old.OutputValue().Known) {
					continue // unknown now: the default is applied once the value is known
				}
				pv := resource.NewPropertyValue(v)
				if old, ok := news[resource.PropertyKey(k)]; ok && isSecret(old) {
					pv = resource.MakeSecret(pv)
				}
				news[resource.PropertyKey(k)] = pv
			}
		}
	}
	if vals, known := plainMap(news); r.impl.Validate != nil {
		for _, f := range r.impl.Validate(vals) {
			// Only report failures on properties whose value is known (unknowns are checked again at update time).
			if v, ok := news[resource.PropertyKey(f.Property)]; ok && v.ContainsUnknowns() {
				continue
			}
			if !known && f.Property == "" {
				continue
			}
			failures = append(failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
		}
	}
	out, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: out, Failures: failures}, nil
}

func (s *Server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	_, r, err := s.lookup(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ignore := map[string]bool{}
	for _, k := range req.GetIgnoreChanges() {
		ignore[k] = true
	}
	resp := &pulumirpc.DiffResponse{DetailedDiff: map[string]*pulumirpc.PropertyDiff{}, HasDetailedDiff: true}
	for _, k := range r.inputs {
		if ignore[k] {
			continue
		}
		o, n := olds[resource.PropertyKey(k)], news[resource.PropertyKey(k)]
		if equalValues(o, n) {
			continue
		}
		kind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case o.IsNull() || !olds.HasValue(resource.PropertyKey(k)):
			kind = pulumirpc.PropertyDiff_ADD
		case n.IsNull() || !news.HasValue(resource.PropertyKey(k)):
			kind = pulumirpc.PropertyDiff_DELETE
		}
		resp.Diffs = append(resp.Diffs, k)
		if !contains(r.impl.Updatable, k) {
			resp.Replaces = append(resp.Replaces, k)
			kind += pulumirpc.PropertyDiff_ADD_REPLACE - pulumirpc.PropertyDiff_ADD
		}
		resp.DetailedDiff[k] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	if r.impl.ReplaceReasons != nil {
		ov, _ := plainMap(olds)
		if nv, known := plainMap(news); known {
			for _, k := range r.impl.ReplaceReasons(ov, nv) {
				if !contains(resp.Replaces, k) {
					resp.Replaces = append(resp.Replaces, k)
					resp.Diffs = append(resp.Diffs, k)
					resp.DetailedDiff[k] = &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_UPDATE_REPLACE}
				}
			}
		}
	}
	if len(resp.Diffs) == 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_NONE
	} else {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return resp, nil
}

// previewOutputs: the inputs as given, every other declared output unknown.
func (r resourceInfo) previewOutputs(news resource.PropertyMap) resource.PropertyMap {
	pm := news.Copy()
	for k := range r.outputs {
		if _, ok := pm[resource.PropertyKey(k)]; !ok {
			pm[resource.PropertyKey(k)] = resource.MakeComputed(resource.NewStringProperty(""))
		}
	}
	return pm
}

func (s *Server) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	tok, r, err := s.lookup(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	vals, known := plainMap(news)
	if req.GetPreview() {
		out, err := marshal(r.previewOutputs(news))
		return &pulumirpc.CreateResponse{Properties: out}, err
	}
	if !known {
		return nil, status.Errorf(codes.InvalidArgument, "%s: inputs are not known at create time", tok)
	}
	id, outs, err := r.impl.Create(vals)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", tok, err)
	}
	props, err := marshal(r.toProps(outs, news))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (s *Server) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	tok, r, err := s.lookup(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if len(state) == 0 {
		if r.impl.Import == nil {
			return nil, status.Errorf(codes.InvalidArgument, "%s does not support import (upstream documents no import for it)", tok)
		}
		id, st, in, err := r.impl.Import(req.GetId())
		if err != nil {
			return nil, fmt.Errorf("importing %s %q: %w", tok, req.GetId(), err)
		}
		props, err := marshal(r.toProps(st, nil))
		if err != nil {
			return nil, err
		}
		inProps := resource.PropertyMap{}
		for k, v := range in {
			pv := resource.NewPropertyValue(v)
			if r.outputs[k] {
				pv = resource.MakeSecret(pv)
			}
			inProps[resource.PropertyKey(k)] = pv
		}
		ins, err := marshal(inProps)
		if err != nil {
			return nil, err
		}
		return &pulumirpc.ReadResponse{Id: id, Properties: props, Inputs: ins}, nil
	}
	if r.impl.Refresh != nil {
		vals, _ := plainMap(state)
		outs, err := r.impl.Refresh(req.GetId(), vals)
		if err != nil {
			return nil, fmt.Errorf("refreshing %s: %w", tok, err)
		}
		state = r.toProps(outs, state)
	}
	props, err := marshal(state)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: props, Inputs: req.GetInputs()}, nil
}

func (s *Server) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	tok, r, err := s.lookup(req.GetUrn(), req.GetType())
	if err != nil {
		return nil, err
	}
	if r.impl.Update == nil {
		return nil, status.Errorf(codes.Internal, "%s has no in-place updates: every input change is a replacement", tok)
	}
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ov, _ := plainMap(olds)
	nv, known := plainMap(news)
	if req.GetPreview() && !known {
		pm := olds.Copy()
		for k, v := range news {
			pm[k] = v
		}
		out, err := marshal(pm)
		return &pulumirpc.UpdateResponse{Properties: out}, err
	}
	outs, err := r.impl.Update(req.GetId(), ov, nv)
	if err != nil {
		return nil, fmt.Errorf("updating %s: %w", tok, err)
	}
	secretsFrom := olds.Copy()
	for k, v := range news {
		secretsFrom[k] = v
	}
	props, err := marshal(r.toProps(outs, secretsFrom))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (s *Server) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	// Nothing exists outside the state: deleting is forgetting.
	if _, _, err := s.lookup(req.GetUrn(), req.GetType()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (s *Server) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	fn, ok := s.functions[req.GetTok()]
	if !ok {
		var names []string
		for k := range s.functions {
			names = append(names, k)
		}
		sort.Strings(names)
		return nil, status.Errorf(codes.Unimplemented, "function %s is not implemented by pulumi-resource-%s %s (implemented: %s)",
			req.GetTok(), s.name, s.version, strings.Join(names, ", "))
	}
	args, err := unmarshal(req.GetArgs())
	if err != nil {
		return nil, err
	}
	vals, known := plainMap(args)
	if !known {
		return nil, status.Errorf(codes.InvalidArgument, "%s: arguments are not known", req.GetTok())
	}
	out, err := fn(vals)
	if err != nil {
		return &pulumirpc.InvokeResponse{Failures: []*pulumirpc.CheckFailure{{Reason: err.Error()}}}, nil
	}
	pm := resource.PropertyMap{}
	for k, v := range out {
		if v == nil {
			continue
		}
		pv := resource.NewPropertyValue(v)
		if s.fnSecrets[req.GetTok()][k] || (args.HasValue(resource.PropertyKey(k)) && isSecret(args[resource.PropertyKey(k)])) {
			pv = resource.MakeSecret(pv)
		}
		pm[resource.PropertyKey(k)] = pv
	}
	ret, err := marshal(pm)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func unionKeys(a, b resource.PropertyMap) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []resource.PropertyMap{a, b} {
		for k := range m {
			if !seen[string(k)] {
				seen[string(k)] = true
				out = append(out, string(k))
			}
		}
	}
	sort.Strings(out)
	return out
}

// equalValues compares two property values ignoring secretness; an unknown is never equal to anything, and a
// missing value equals null, an empty map and an empty list (upstream: keepers null vs {} is no change).
func equalValues(a, b resource.PropertyValue) bool {
	pa, oka := plain(a)
	pb, okb := plain(b)
	if !oka || !okb {
		return false
	}
	return equalPlain(pa, pb)
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

func equalPlain(a, b any) bool {
	if isEmpty(a) && isEmpty(b) {
		return true
	}
	switch ta := a.(type) {
	case map[string]any:
		tb, ok := b.(map[string]any)
		if !ok || len(ta) != len(tb) {
			return false
		}
		for k, v := range ta {
			if w, ok := tb[k]; !ok || !equalPlain(v, w) {
				return false
			}
		}
		return true
	case []any:
		tb, ok := b.([]any)
		if !ok || len(ta) != len(tb) {
			return false
		}
		for i := range ta {
			if !equalPlain(ta[i], tb[i]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}
