package batch

import (
	"reflect"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// encode turns an Args struct into the property map the provider receives:
// each field's `pulumi` tag is its property name, nil fields are left out,
// Inputs pass through unchanged (so unknown values stay unknown), and nested
// Args structs and slices of them become nested maps and arrays.
func encode(args any) pulumi.Map {
	return encodeStruct(reflect.ValueOf(args))
}

var inputType = reflect.TypeOf((*pulumi.Input)(nil)).Elem()

func encodeStruct(v reflect.Value) pulumi.Map {
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	out := pulumi.Map{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("pulumi"), ",")
		if name == "" {
			continue
		}
		if enc, ok := encodeValue(v.Field(i)); ok {
			out[name] = enc
		}
	}
	return out
}

func encodeValue(f reflect.Value) (pulumi.Input, bool) {
	switch {
	case (f.Kind() == reflect.Pointer || f.Kind() == reflect.Interface || f.Kind() == reflect.Slice) && f.IsNil():
		return nil, false
	case f.Type().Implements(inputType):
		return f.Interface().(pulumi.Input), true
	case f.Kind() == reflect.Pointer || f.Kind() == reflect.Struct:
		return encodeStruct(f), true
	case f.Kind() == reflect.Slice:
		arr := pulumi.Array{}
		for j := 0; j < f.Len(); j++ {
			if e, ok := encodeValue(f.Index(j)); ok {
				arr = append(arr, e)
			}
		}
		return arr, true
	}
	panic("batch binding: unsupported field kind " + f.Kind().String())
}
