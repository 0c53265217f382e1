part "settings" {
  recipe = "template"
  source = "templates/nosuch.tmpl" # ERROR: Missing source
  target = "etc/settings.conf"
}
