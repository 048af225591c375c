package hooks

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/apikey"
)

// cliActor is who makes changes from the command line.
var cliActor = Actor{Kind: ActorSystem, Label: "cli"}

// APIKeyCommand is `slotbase apikey create|list|revoke`.
func APIKeyCommand(app core.App) *cobra.Command {
	root := &cobra.Command{Use: "apikey", Short: "Create, list and revoke API keys for the admin API"}
	var name, scopes, expires string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a key (printed once; only its hash is stored)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			if strings.TrimSpace(name) == "" {
				return errors.New("--name: required")
			}
			list, err := apikey.ParseScopes(scopes)
			if err != nil {
				return err
			}
			var exp time.Time
			if expires != "" {
				if exp, err = time.Parse(time.RFC3339, expires); err != nil {
					if exp, err = time.Parse("2006-01-02", expires); err != nil {
						return errors.New("--expires: an RFC 3339 time or YYYY-MM-DD")
					}
				}
			}
			key, r, err := createAPIKey(app, cliActor, strings.TrimSpace(name), list, exp)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n(id %s, prefix %s, scopes %s; store it now: it is not shown again)\n", key, r.Id, r.GetString(c.APIKeysPrefix), strings.Join(list, ","))
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "what the key is for")
	create.Flags().StringVar(&scopes, "scopes", "", "comma-separated: "+strings.Join(apikey.Scopes, ", "))
	create.Flags().StringVar(&expires, "expires", "", "expiry (RFC 3339 or YYYY-MM-DD); empty = never")

	list := &cobra.Command{
		Use:   "list",
		Short: "List keys (prefixes, scopes, expiry, last use; never the keys)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			records, err := app.FindRecordsByFilter(c.APIKeys, "id != ''", "created", 0, 0)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%-15s %-8s %-24s %-40s %-10s %-20s %s\n", "ID", "PREFIX", "NAME", "SCOPES", "REVOKED", "EXPIRES", "LAST USED")
			for _, r := range records {
				fmt.Fprintf(out, "%-15s %-8s %-24s %-40s %-10v %-20s %s\n", r.Id, r.GetString(c.APIKeysPrefix), r.GetString(c.APIKeysName),
					strings.Join(r.GetStringSlice(c.APIKeysScopes), ","), r.GetBool(c.APIKeysRevoked), r.GetString(c.APIKeysExpires), r.GetString(c.APIKeysLastUsed))
			}
			return nil
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke PREFIX_OR_ID",
		Short: "Revoke a key at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := app.FindFirstRecordByFilter(c.APIKeys, "prefix = {:k} || id = {:k}", map[string]any{"k": args[0]})
			if err != nil {
				return fmt.Errorf("no key with prefix or id %q", args[0])
			}
			r.Set(c.APIKeysRevoked, true)
			if err := app.RunInTransaction(func(tx core.App) error { return auditedSave(tx, cliActor, ActionRecordUpdated, r) }); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s (%s)\n", r.GetString(c.APIKeysPrefix), r.GetString(c.APIKeysName))
			return nil
		},
	}
	root.AddCommand(create, list, revoke)
	return root
}
