# A LAVA-like lab: a server and a dispatcher built from Go modules, their
# settings rendered from templates into the instance's etc/, the data
# directories under var/, and, with services = true, the two run as
# systemd services. buildout-production.hcl extends this file.

buildout {
  parts                 = ["server", "dispatcher", "cli", "settings", "dispatcher-settings", "media", "logs", "static", "server-service", "dispatcher-service"]
  allow_picked_versions = true
  show_picked_versions  = true
  go_env = {
    # The sample modules are served from a proxy directory in this
    # repository, so the demo works offline. A copy of this manifest
    # elsewhere sets its own proxy here (https://proxy.golang.org, or a
    # mirror); assemble says so if the directory is not there.
    GOPROXY   = "file://${manifest.dir}/../testdata/proxy"
    GONOSUMDB = "example.com"
  }
}

variable "http_port" {
  type        = number
  default     = 8000
  description = "port lava-server listens on"
}

variable "services" {
  type        = bool
  default     = false
  description = "run lava-server and lava-dispatcher as systemd services"
}

variable "unit_dir" {
  type        = string
  default     = ""
  description = "where the services' units go; empty: /etc/systemd/system as root, else ~/.config/systemd/user"
}

variable "db_name" {
  type        = string
  default     = ""
  description = "database name; lava_<instance> when empty"
}

part "server" {
  recipe   = "go.build"
  module   = "example.com/lava/server"
  version  = "^1.4"
  packages = ["./cmd/lava-server"]
}

part "dispatcher" {
  recipe   = "go.build"
  module   = "example.com/lava/dispatcher"
  version  = "^1.2"
  packages = ["./cmd/lava-dispatcher"]
}

# lavacli moved to a /v2 module path at its second major version.
part "cli" {
  recipe  = "go.build"
  module  = "example.com/lava/lavacli/v2"
  version = "^2.0"
}

part "media" {
  recipe = "directory"
  path   = "${instance.var}/lava-server/media"
}

part "logs" {
  recipe = "directory"
  path   = "${instance.var}/log"
}

# The server's web assets: a release tarball, checked against its sha256,
# kept in the root's download cache for every instance, and extracted.
part "static" {
  recipe           = "download"
  url              = "file://${manifest.dir}/downloads/lava-static-1.0.tar.gz"
  sha256           = "9f8b09dfa8fb94debe9c4d49dde7f2687e94a2222e246535dfddb7a54f05cc45"
  extract          = true
  strip_components = 1
  target           = "${instance.var}/lava-server/static"
}

part "settings" {
  recipe = "template"
  source = "templates/settings.conf.tmpl"
  target = "${instance.etc}/lava-server/settings.conf"
  vars = {
    instance = instance.name
    server   = part.server.bin["lava-server"]
    version  = part.server.version
    listen   = "127.0.0.1:${var.http_port}"
    db       = var.db_name != "" ? var.db_name : "lava_${instance.name}"
    dsn      = "" # no database server: production gives one
    media    = part.media.path
    static   = part.static.path
    logs     = part.logs.path
  }
}

part "dispatcher-settings" {
  recipe = "template"
  source = "templates/dispatcher.conf.tmpl"
  target = "${instance.etc}/lava-dispatcher/dispatcher.conf"
  vars = {
    server_url = "http://127.0.0.1:${var.http_port}"
    dispatcher = part.dispatcher.bin["lava-dispatcher"]
    logs       = part.logs.path
  }
}

# The server serves HTTP on the settings' listen address; the dispatcher
# asks it for work. A unit per part and instance, named
# assemble-PART@INSTANCE.service, running as the instance's user (see
# buildout-production.hcl) and restarted when its binary or settings
# change.
part "server-service" {
  recipe                 = "systemd.service"
  enabled                = var.services
  exec_start             = [part.server.bin["lava-server"], "--config", part.settings.path]
  unit_dir               = var.unit_dir != "" ? var.unit_dir : null
  allow_outside_instance = true
}

part "dispatcher-service" {
  recipe                 = "systemd.service"
  enabled                = var.services
  exec_start             = [part.dispatcher.bin["lava-dispatcher"], "--config", part.dispatcher-settings.path]
  requires               = [part.server-service.unit]
  unit_dir               = var.unit_dir != "" ? var.unit_dir : null
  allow_outside_instance = true
}
