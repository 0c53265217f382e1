// Package plugin runs recipes in programs of their own: the recipes of
// a Go module that is not assemble, pinned and built like the modules
// parts build, spoken to over hashicorp/go-plugin, the plugin system of
// Terraform, Packer and Vault (a versioned handshake, gRPC, the child's
// log forwarded, the child killed with its parent).
//
// A recipe author writes recipes to the contract of package recipe, as
// the built-in ones are written, and serves them from a main package:
//
//	func main() { plugin.Serve(&Site{}) }
//
// assemble starts the program with Open, asks for each recipe's spec,
// and calls the recipe's steps, each with a host that calls back into
// assemble. Every message is JSON, carried in a protobuf BytesValue, so
// that the protocol needs no generated code: the version of the protocol
// is the handshake's.
package plugin

import (
	"errors"

	goplugin "github.com/hashicorp/go-plugin"
)

// Handshake is what assemble and a recipe program agree on before they
// speak; a program built against another protocol version is refused.
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "ASSEMBLE_RECIPE_PLUGIN",
	MagicCookieValue: "a recipe program: run by assemble, not by hand",
}

// pluginName is the one plugin a recipe program serves.
const pluginName = "recipes"

// ErrProtocol marks a program that did not keep to the protocol.
var ErrProtocol = errors.New("recipe plugin protocol violated")

// Steps a recipe may have besides install: the optional interfaces of
// package recipe it implements.
const (
	stepUpdate     = "update"
	stepActivate   = "activate"
	stepDeactivate = "deactivate"
	stepRemove     = "remove"
	stepBackup     = "backup"
	stepRestore    = "restore"
)
