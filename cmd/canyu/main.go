// Command canyu is the 参与 public-participation service: it serves the API
// and the pages, migrates the database and runs the operator's commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `canyu (参与): public participation in major administrative decisions.

Usage:
  canyu serve                 run the HTTP service (API under /api/v1, pages at /)
  canyu migrate               apply pending database migrations
  canyu openapi               print the OpenAPI spec (YAML); needs no database
  canyu admin create-agency   create an agency
  canyu admin create-user     create an account of any role
  canyu record verify         verify the process records (hash chains); also verify-archive FILE.zip
  canyu seed --demo           create a demo city with decisions in every stage
  canyu reindex               rebuild the search index from PostgreSQL (search stays online)

Run 'canyu COMMAND --help' for a command's flags. Configuration comes from
the environment: CANYU_ADDR, CANYU_DATABASE_URL, CANYU_DATA_DIR,
CANYU_MEILI_URL, CANYU_MEILI_KEY, CANYU_BASE_URL, CANYU_LOG_LEVEL.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "canyu:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand. It is what tests call.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	env := cmdEnv{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, env, args[1:])
	case "migrate":
		return cmdMigrate(ctx, env, args[1:])
	case "openapi":
		return cmdOpenAPI(env, args[1:])
	case "admin":
		return cmdAdmin(ctx, env, args[1:])
	case "record":
		return cmdRecord(ctx, env, args[1:])
	case "seed":
		return cmdSeed(ctx, env, args[1:])
	case "reindex":
		return cmdReindex(ctx, env, args[1:])
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// subcommand is one command of a group such as `canyu admin`.
type subcommand func(ctx context.Context, env cmdEnv, args []string) error

// dispatch runs the subcommand of group named by args[0], or prints the
// group's usage: to stdout when asked for (no argument, -h, --help), to
// stderr with an error for an unknown name.
func dispatch(ctx context.Context, env cmdEnv, group, usage string, args []string, cmds map[string]subcommand) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(env.stdout, usage)
		return nil
	}
	if cmd, ok := cmds[args[0]]; ok {
		return cmd(ctx, env, args[1:])
	}
	fmt.Fprint(env.stderr, usage)
	return fmt.Errorf("unknown %s command %q", group, args[0])
}

type cmdEnv struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}
