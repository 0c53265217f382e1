package plugin

import (
	"context"
	"encoding/json"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The two services: a recipe program's recipes, which assemble calls,
// and the host a step runs with, which the program calls back.
const (
	recipesService = "assemble.recipe.v1.Recipes"
	hostService    = "assemble.recipe.v1.Host"
)

// handler answers the calls of one service.
type handler interface {
	handle(ctx context.Context, c *call) (any, error)
}

// serviceDesc describes a service of one method, Call, which takes and
// gives JSON in a BytesValue: what generated code would describe for
// `rpc Call(google.protobuf.BytesValue) returns (google.protobuf.BytesValue)`.
func serviceDesc(name string) *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: name,
		HandlerType: (*handler)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Call",
			Handler: func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				in := new(wrapperspb.BytesValue)
				if err := dec(in); err != nil {
					return nil, err
				}
				return serve(ctx, srv.(handler), in.Value)
			},
		}},
		Metadata: "assemble/recipes/plugin",
	}
}

// serve decodes a call, has h answer it, and encodes the reply: an
// error of the step is the reply's, not the transport's.
func serve(ctx context.Context, h handler, data []byte) (*wrapperspb.BytesValue, error) {
	var c call
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	var r reply
	result, err := h.handle(ctx, &c)
	if err != nil {
		r.Error = err.Error()
	} else if result != nil {
		if r.Result, err = json.Marshal(result); err != nil {
			r.Error = err.Error()
		}
	}
	out, err := json.Marshal(r)
	return wrapperspb.Bytes(out), err
}

// invoke calls service over conn, and decodes the result into result.
func invoke(ctx context.Context, conn *grpc.ClientConn, service string, c *call, result any) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	out := new(wrapperspb.BytesValue)
	if err := conn.Invoke(ctx, "/"+service+"/Call", wrapperspb.Bytes(data), out); err != nil {
		return err
	}
	var r reply
	if err := json.Unmarshal(out.Value, &r); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrProtocol, c.Method, err)
	}
	if r.Error != "" {
		return &remoteError{msg: r.Error}
	}
	if result != nil && len(r.Result) > 0 {
		if err := json.Unmarshal(r.Result, result); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrProtocol, c.Method, err)
		}
	}
	return nil
}

// remoteError is an error the other side returned, as its text.
type remoteError struct{ msg string }

func (e *remoteError) Error() string { return e.msg }

// args encodes a call's arguments.
func args(v any) json.RawMessage {
	data, _ := json.Marshal(v)
	return data
}
