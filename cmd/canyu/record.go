package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
)

const recordUsage = `Usage: canyu record COMMAND

Commands:
  verify [--decision ID | --catalogue CODE] [--heads FILE]
                             recompute the process record's hash chain of one or
                             every decision and of every decision body's
                             catalogue record (catalogues, adjustments,
                             initiations, proposals), check the draft versions
                             and attachments it points to, the rows its entries
                             bind and the signatures of signed entries with
                             every key the platform published (needs
                             CANYU_DATABASE_URL); with --heads, also check
                             today's log of chain heads against tree heads
                             saved earlier (list-record-heads output, one
                             head, or a list of heads)
  verify --archive FILE.zip  verify an exported archive package offline (no
                             database), signatures, the decision and its
                             consultation windows included; lists the checks
                             that run only online (the archive does not hold
                             the rows they re-read)
  verify-archive FILE.zip    the same as verify --archive

Both exit with status 1 when anything is broken.
`

func cmdRecord(ctx context.Context, env cmdEnv, args []string) error {
	return dispatch(ctx, env, "record", recordUsage, args, map[string]subcommand{
		"verify": cmdRecordVerify,
		"verify-archive": func(_ context.Context, env cmdEnv, args []string) error {
			return cmdRecordVerifyArchive(env, args)
		},
	})
}

func cmdRecordVerify(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet(env, "record verify [--decision ID | --catalogue CODE] [--heads FILE] | --archive FILE.zip", "Recomputes the hash chain of the process record (决策档案) of one decision, or of every\n"+
		"decision and every decision body's catalogue record, checks the signatures, and re-reads what\n"+
		"the entries stand for: draft versions and attachments, the rows entries carry evidence of, the\n"+
		"comments' checkpoints and moderation, the decision's own row and stage, the consultation\n"+
		"window, survey results and responses, implementation and post-evaluation reports, residents'\n"+
		"feedback, and each catalogue, catalogue item, adjustment, initiation, history row and proposal\n"+
		"(决策事项目录). Prints one line per decision and catalogue record; exits with status 1 if any is\n"+
		"broken. With --archive, verifies an exported archive offline and lists the checks that run\n"+
		"only online (仅在线核验).")
	decision := fs.Int64("decision", 0, "verify only the decision with this id")
	body := fs.String("catalogue", "", "verify only the catalogue record of the decision body with this agency code")
	headsFile := fs.String("heads", "", "also check today's log against the signed tree heads saved in this JSON file")
	archive := fs.String("archive", "", "verify this exported archive package offline instead (no database)")
	if ok, err := parseFlags(fs, args); !ok {
		return err
	}
	if *archive != "" {
		if *decision != 0 || *body != "" || *headsFile != "" || fs.NArg() > 0 {
			return fmt.Errorf("record verify: --archive takes no other argument")
		}
		return verifyArchiveFile(env, *archive)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("record verify: unexpected argument %q", fs.Arg(0))
	}
	var saved []record.TreeHead
	if *headsFile != "" {
		var err error
		if saved, err = readSavedHeads(*headsFile); err != nil {
			return err
		}
	}
	db, _, err := env.connect(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	// Signatures are checked with every key the platform published
	// (record_signing_keys), not with the key file: a rotated key's
	// signatures stay valid.
	svc := consultation.NewService(db, nil)
	cat := catalogue.NewService(db, svc)
	var results []consultation.VerifyResult
	switch {
	case *decision != 0 && *body != "":
		return fmt.Errorf("record verify: name --decision or --catalogue, not both")
	case *decision != 0:
		r, err := svc.VerifyStoredRecord(ctx, *decision)
		if err != nil {
			return fmt.Errorf("decision %d: %w", *decision, err)
		}
		results = append(results, r)
	case *body != "":
		r, err := cat.VerifyBodyCatalogueRecord(ctx, *body)
		if err != nil {
			return fmt.Errorf("catalogue record of %s: %w", *body, err)
		}
		results = append(results, r)
	default:
		if results, err = svc.VerifyAllRecords(ctx); err != nil {
			return err
		}
		chains, err := cat.VerifyCatalogueRecords(ctx)
		if err != nil {
			return err
		}
		results = append(results, chains...)
	}
	broken := 0
	for _, r := range results {
		what := fmt.Sprintf("decision %d", r.DecisionID)
		if r.Chain != "" {
			what = "catalogue record " + r.Chain
		}
		if !printVerifyResult(env, what, r) {
			broken++
		}
	}
	if len(saved) > 0 {
		problems, err := record.CheckSavedHeads(ctx, db, saved)
		if err != nil {
			return err
		}
		for _, p := range problems {
			fmt.Fprintf(env.stdout, "%s: BROKEN: %s\n", *headsFile, p)
		}
		if len(problems) > 0 {
			return fmt.Errorf("today's log is inconsistent with %d of %d saved tree heads", len(problems), len(saved))
		}
		fmt.Fprintf(env.stdout, "%s: ok, today's log is consistent with %d saved tree heads\n", *headsFile, len(saved))
	}
	if broken > 0 {
		return fmt.Errorf("%d of %d records broken", broken, len(results))
	}
	if len(results) == 0 {
		fmt.Fprintln(env.stdout, "no decisions to verify")
	}
	return nil
}

func cmdRecordVerifyArchive(env cmdEnv, args []string) error {
	fs := newFlagSet(env, "record verify-archive FILE.zip", "Verifies an archive package exported by export-decision-archive, offline: every file\n"+
		"matches the manifest, the record's hash chain recomputes and ends in the manifest's\n"+
		"last hash, signatures verify, the rows entries bind, the recorded draft versions and\n"+
		"attachments and the comments' checkpoints are in it, and the decision (decision.json) and\n"+
		"its consultation windows (consultation.json) agree with the record. The checks that re-read\n"+
		"rows the archive does not hold (comment moderation, survey results and responses,\n"+
		"implementation and evaluation reports, residents' feedback) run only online: they are\n"+
		"listed after the result (仅在线核验). Exits with status 1 if anything is broken.")
	if ok, err := parseFlags(fs, args); !ok {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("record verify-archive: name one archive file")
	}
	return verifyArchiveFile(env, fs.Arg(0))
}

func verifyArchiveFile(env cmdEnv, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	r, err := record.VerifyArchive(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	what, online := fmt.Sprintf("%s (decision %d)", name, r.DecisionID), fmt.Sprintf("--decision %d", r.DecisionID)
	if r.Chain != "" {
		// A decision body's catalogue record (chain catalogue:<body id>).
		what, online = fmt.Sprintf("%s (chain %s)", name, r.Chain), "--catalogue 决策机关代码"
	}
	ok := printVerifyResult(env, what, r)
	if len(r.OnlineOnly) > 0 {
		fmt.Fprintf(env.stdout, "  not checked offline, online only (the archive does not hold these rows):\n"+
			"  以下各项档案包不含其数据，离线核验未包括，仅在线核验（在平台上运行 canyu record verify %s）：\n", online)
		for _, label := range r.OnlineOnly {
			fmt.Fprintf(env.stdout, "    - %s\n", label)
		}
	}
	if !ok {
		return fmt.Errorf("%s: archive broken", name)
	}
	return nil
}

// printVerifyResult prints one line and reports whether the record is intact.
func printVerifyResult(env cmdEnv, what string, r consultation.VerifyResult) bool {
	switch {
	case r.OK:
		fmt.Fprintf(env.stdout, "%s: ok, %d entries, last hash %s", what, r.Entries, r.LastHash)
		if r.Signatures > 0 {
			fmt.Fprintf(env.stdout, ", %d signatures by key %s", r.Signatures, r.SignerKey)
		}
		if r.PersonalSignatures > 0 {
			fmt.Fprintf(env.stdout, ", %d signed by the signers' own keys %s", r.PersonalSignatures, strings.Join(r.PersonalKeys, " "))
		}
		fmt.Fprintln(env.stdout)
	case r.FirstBadSeq > 0:
		fmt.Fprintf(env.stdout, "%s: BROKEN at entry %d: %s\n", what, r.FirstBadSeq, r.Problem)
	default:
		fmt.Fprintf(env.stdout, "%s: BROKEN: %s\n", what, r.Problem)
	}
	return r.OK
}

// readSavedHeads reads tree heads saved earlier: the body of
// list-record-heads ({"heads": [...]}), one head, or a list of heads.
func readSavedHeads(name string) ([]record.TreeHead, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var list struct {
		Heads []record.TreeHead `json:"heads"`
	}
	if err := json.Unmarshal(raw, &list); err == nil && len(list.Heads) > 0 {
		return list.Heads, nil
	}
	var one record.TreeHead
	if err := json.Unmarshal(raw, &one); err == nil && one.RootHash != "" {
		return []record.TreeHead{one}, nil
	}
	var many []record.TreeHead
	if err := json.Unmarshal(raw, &many); err == nil && len(many) > 0 {
		return many, nil
	}
	return nil, fmt.Errorf("%s: no signed tree heads in it (save the body of list-record-heads or get-record-head)", name)
}
