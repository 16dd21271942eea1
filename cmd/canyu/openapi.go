package main

import (
	"github.com/canyu-gov/canyu/api"
)

func cmdOpenAPI(env cmdEnv, args []string) error {
	fs := newFlagSet(env, "openapi", "Prints the OpenAPI 3.1 spec of the API as YAML. Needs no database.\nThe committed openapi.yaml is this output.")
	if ok, err := parseFlags(fs, args); !ok {
		return err
	}
	b, err := api.Spec()
	if err != nil {
		return err
	}
	_, err = env.stdout.Write(b)
	return err
}
