package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/obs"
)

// organisationKeyDoc describes organisations' keys in the spec.
const organisationKeyDoc = "An organisation's API key (create-api-key), sent as `Authorization: Bearer cyk_…`. " +
	"Scope `read` reads every public operation; `submit_comments` submits comments on the organisation's own behalf " +
	"(submit-organisation-comment). Each key has its own limit of requests per window; every answer to a request " +
	"with a key carries the IETF `RateLimit-Policy` (`\"key\";q=<quota>;w=<seconds>`) and `RateLimit` " +
	"(`\"key\";r=<remaining>;t=<seconds to reset>`) headers (draft-ietf-httpapi-ratelimit-headers), and a request past " +
	"the limit is answered 429 `api_key_rate_limited` with `Retry-After`. A revoked key is refused with 401 " +
	"`api_key_revoked`, a key without the scope with 403 `api_key_scope`, a key on an operation for signed-in accounts " +
	"with 403 `api_key_not_allowed`. Every use of a key is logged and shown to its organisation (list-api-key-uses)."

var (
	errKeyRequired   = errs.Unauthenticated("api_key_required", "此接口需要组织的API密钥")
	errKeyNotAllowed = errs.Forbidden("api_key_not_allowed", "API密钥只能用于读取公开数据和以组织名义提交意见，不能代替账号登录")
	errKeyScope      = errs.Forbidden("api_key_scope", "该API密钥没有此操作所需的权限")
)

type keyCallKey struct{}

// keyCall returns the API key of the request, or nil.
func keyCall(ctx context.Context) *integrations.KeyCall {
	c, _ := ctx.Value(keyCallKey{}).(*integrations.KeyCall)
	return c
}

// authenticateKey serves a request that carries an organisation's key:
// it counts the request against the key's limit and answers the RateLimit
// headers, checks the scope the operation needs (read for every public
// operation), runs it, and logs the use with its status, refused ones
// included.
func (s *server) authenticateKey(hctx huma.Context, secret string, acc access, next func(huma.Context)) {
	ctx := hctx.Context()
	if s.svc.Integrations == nil {
		writeProblem(hctx, toProblem(ctx, errNoIdentity))
		return
	}
	use := integrations.KeyUse{Operation: hctx.Operation().OperationID, Method: hctx.Method(), Path: hctx.URL().Path,
		ClientAddr: obs.ClientFrom(ctx).Addr}
	call, err := s.svc.Integrations.UseKey(ctx, secret)
	if call != nil {
		setRateLimitHeaders(hctx, call)
	}
	if err == nil {
		switch {
		case acc.kind == accessSignedIn:
			err = errKeyNotAllowed
		case acc.kind == accessKey && !call.Allows(acc.scope):
			err = errKeyScope
		case acc.kind == accessPublic && !call.Allows(integrations.ScopeRead):
			err = errKeyScope
		}
	}
	if err != nil {
		p := toProblem(ctx, err)
		if e, ok := errs.As(err); ok && e.RetryAfter > 0 {
			hctx.SetHeader("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
		}
		writeProblem(hctx, unwrapHeaders(p))
		use.Status = hctx.Status()
		if call != nil {
			use.KeyID = call.KeyID
			s.logKeyUse(ctx, use)
		} else if e, ok := errs.As(err); ok && e.Kind != errs.KindInternal && e.Kind != errs.KindUnavailable {
			if lerr := s.svc.Integrations.LogKeyUseBySecret(ctx, secret, use); lerr != nil {
				obs.Logger(ctx).WarnContext(ctx, "api key use not logged", "error", lerr)
			}
		}
		return
	}
	next(huma.WithValue(hctx, keyCallKey{}, call))
	use.KeyID, use.Status = call.KeyID, hctx.Status()
	s.logKeyUse(ctx, use)
}

func (s *server) logKeyUse(ctx context.Context, use integrations.KeyUse) {
	if use.Status == 0 {
		use.Status = http.StatusOK
	}
	// The log must not fail the answer already sent.
	if err := s.svc.Integrations.LogKeyUse(context.WithoutCancel(ctx), use); err != nil {
		obs.Logger(ctx).WarnContext(ctx, "api key use not logged", "error", err)
	}
}

// setRateLimitHeaders answers the key's quota in the headers of
// draft-ietf-httpapi-ratelimit-headers (structured fields: the policy's
// quota q and window w; the remaining r and seconds to reset t).
func setRateLimitHeaders(hctx huma.Context, c *integrations.KeyCall) {
	hctx.SetHeader("RateLimit-Policy", fmt.Sprintf(`"key";q=%d;w=%d`, c.Limit, int(c.Window/time.Second)))
	hctx.SetHeader("RateLimit", fmt.Sprintf(`"key";r=%d;t=%d`, c.Remaining, int((c.Reset+time.Second-1)/time.Second)))
}

// unwrapHeaders returns the problem inside toProblem's header wrapper
// (writeProblem writes a *Problem; the headers are set by the caller).
func unwrapHeaders(err error) error {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return err
}
