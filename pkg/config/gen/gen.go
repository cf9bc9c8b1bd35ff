// Command gen writes pkg/config/conf.gen.go (the typed config.Gitlab struct) from the
// schema; run by `go generate ./pkg/config`.
package main

import (
	cfg "github.com/conductorone/baton-gitlab/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/config"
)

func main() {
	config.Generate("gitlab", cfg.Config)
}
