package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/canyu-gov/canyu/internal/identity"
)

const adminUsage = `Usage: canyu admin COMMAND

Commands:
  create-agency --code C --name N --kind K
  create-user --role ROLE (--phone P | --email E) --name NAME [--agency CODE] --password-stdin
`

func cmdAdmin(ctx context.Context, env cmdEnv, args []string) error {
	return dispatch(ctx, env, "admin", adminUsage, args, map[string]subcommand{
		"create-agency": cmdCreateAgency,
		"create-user":   cmdCreateUser,
	})
}

func cmdCreateAgency(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet(env, "admin create-agency", "Creates an agency. Kinds: government (决策机关), department (承办单位),\nlegality_review (合法性审查部门).")
	code := fs.String("code", "", "agency code: lower-case letters, digits, - and _ (e.g. jyj)")
	name := fs.String("name", "", "agency name (e.g. 平顶山市教育局)")
	kind := fs.String("kind", "", "government, department or legality_review")
	parent := fs.String("parent", "", "code of the government the agency belongs to (optional)")
	if ok, err := parseFlags(fs, args); !ok {
		return err
	}
	db, _, err := env.connect(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := identity.NewService(db, nil).CreateAgency(ctx, nil, identity.AgencyInput{Code: *code, Name: *name,
		Kind: identity.AgencyKind(*kind), ParentCode: *parent})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "created agency %s (%s, %s), id %d\n", a.Code, a.Name, a.Kind, a.ID)
	return nil
}

func cmdCreateUser(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet(env, "admin create-user", "Creates a verified account of any role. The password is read from the first\nline of standard input.")
	role := fs.String("role", "", "resident, agency_staff, reviewer, legal_adviser or admin")
	phone := fs.String("phone", "", "mainland mobile number")
	email := fs.String("email", "", "e-mail address")
	name := fs.String("name", "", "the person's name")
	agency := fs.String("agency", "", "agency code (required for agency_staff and reviewer)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input (required)")
	if ok, err := parseFlags(fs, args); !ok {
		return err
	}
	if !*pwStdin {
		return fmt.Errorf("--password-stdin is required: pass the password on standard input, never as a flag")
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("reading password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	db, _, err := env.connect(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	a, err := identity.NewService(db, nil).CreateAccount(ctx, nil, identity.AccountInput{Role: identity.Role(*role), Phone: *phone,
		Email: *email, DisplayName: *name, AgencyCode: *agency, Password: password})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "created %s account %d (%s)\n", a.Role, a.ID, a.DisplayName)
	return nil
}
