buildout {}
