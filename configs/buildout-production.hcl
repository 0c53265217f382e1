# Production: everything in buildout.hcl, every module pinned, no
# developer overlays, an Apache site in front of the server, and what a
# lab host runs: a system user per instance, a PostgreSQL database on the
# server the libpq environment names (PGHOST…), and the services. Install
# it as root.

extends = ["buildout.hcl"]

buildout {
  allow_picked_versions = false
  allow_local           = false
  show_picked_versions  = false
  parts                 = concat(base.parts, ["db", "apache-site", "apache-enable", "check"])
  user                  = "lava-${instance.name}"
}

variable "services" {
  default = true
}

part "db" {
  recipe = "postgresql.database"
  name   = var.db_name != "" ? var.db_name : "lava_${instance.name}"
}

part "settings" {
  vars = merge(base.vars, { db = part.db.name, dsn = part.db.dsn })
}

variable "server_name" {
  type        = string
  default     = "lava.example.com"
  description = "the name Apache serves the lab under"
}

versions = {
  "example.com/lava/server"     = "v1.4.2"
  "example.com/lava/dispatcher" = "v1.3.0"
  "example.com/lava/lavacli/v2" = "v2.1.0"
  "example.com/lava/common"     = "v1.2.0"
}

part "apache-site" {
  recipe = "template"
  source = "templates/apache-site.conf.tmpl"
  target = "${instance.etc}/apache2/sites-available/lava-${instance.name}.conf"
  vars = {
    server_name = var.server_name
    port        = var.http_port
    media       = part.media.path
    logs        = part.logs.path
  }
}

part "apache-enable" {
  recipe = "symlink"
  path   = "${instance.etc}/apache2/sites-enabled/lava-${instance.name}.conf"
  target = "../sites-available/lava-${instance.name}.conf"
  # The link is only meaningful once the site it points to exists.
  depends_on = [part.apache-site]
}

# After every switch, the new server checks the settings it will run with.
part "check" {
  recipe   = "command"
  activate = [part.server.bin["lava-server"], "--check", "--config", part.settings.path]
}
