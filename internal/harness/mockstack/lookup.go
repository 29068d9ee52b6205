package mockstack

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// OfType returns the resources registered with the type token, in order.
func (r *Result) OfType(typ string) []Resource {
	var out []Resource
	for _, res := range r.Resources {
		if res.Type == typ {
			out = append(out, res)
		}
	}
	return out
}

// Custom returns every custom (provider-managed) resource.
func (r *Result) Custom() []Resource {
	var out []Resource
	for _, res := range r.Resources {
		if res.Custom {
			out = append(out, res)
		}
	}
	return out
}

// Input returns the input at a dotted path such as "properties.sku.name";
// the zero PropertyValue (IsNull) when absent. Secrets and known outputs are
// looked through.
func (r Resource) Input(path string) resource.PropertyValue {
	v := resource.NewProperty(r.Inputs)
	for _, part := range strings.Split(path, ".") {
		v = Unwrap(v)
		if !v.IsObject() {
			return resource.PropertyValue{}
		}
		next, ok := v.ObjectValue()[resource.PropertyKey(part)]
		if !ok {
			return resource.PropertyValue{}
		}
		v = next
	}
	return Unwrap(v)
}

// String is the input at path as a string ("" when absent or not a string).
func (r Resource) String(path string) string {
	if v := r.Input(path); v.IsString() {
		return v.StringValue()
	}
	return ""
}

// Number is the input at path as a number (0 when absent).
func (r Resource) Number(path string) float64 {
	if v := r.Input(path); v.IsNumber() {
		return v.NumberValue()
	}
	return 0
}

// Bool reports the input at path and whether it was set.
func (r Resource) Bool(path string) (value, set bool) {
	if v := r.Input(path); v.IsBool() {
		return v.BoolValue(), true
	}
	return false, false
}

// Unwrap looks through secrets and known outputs to the plain value.
func Unwrap(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput() && v.OutputValue().Known:
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

func stackName(s string) tokens.QName         { return tokens.QName(s) }
func packageName(p string) tokens.PackageName { return tokens.PackageName(p) }
func typeToken(t string) tokens.Type          { return tokens.Type(t) }

// parentType is the parent's type for the URN's type chain; the mock URN
// generator only needs the parent's own type, which the parent URN ends with.
func parentType(parentURN string) tokens.Type {
	if parentURN == "" || resource.URN(parentURN).QualifiedType() == resource.RootStackType {
		return ""
	}
	return resource.URN(parentURN).QualifiedType()
}
