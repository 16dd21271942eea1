package api

import (
	"context"

	"github.com/danielgtaylor/huma/v2"
)

// Most operations have one shape: call one service method, map its error
// with toProblem, build the view of what it returned. The helpers here are
// that shape once, so that a new operation is its huma.Operation, its access
// rule, the call and the view:
//
//	answer(s, huma.Operation{OperationID: "get-thing", …}, public(),
//		func(ctx context.Context, in *thingPath) (domain.Thing, error) {
//			return s.svc.Domain.GetThing(ctx, actor(ctx), in.ID)
//		}, thingView)
//
// The call may validate its input before the service call (a date to
// parse): whatever error it returns is answered through toProblem.

// body is the output of an operation that answers one view as its body.
// The schema is the view's own (a named type), so it does not depend on
// this wrapper.
type body[V any] struct {
	Body V
}

// answerWith registers an operation whose handler is one call: the call's
// error is answered through toProblem, its result through out.
func answerWith[I, T, O any](s *server, op huma.Operation, acc access,
	call func(context.Context, *I) (T, error), out func(T) *O) {
	register(s, op, acc, func(ctx context.Context, in *I) (*O, error) {
		t, err := call(ctx, in)
		if err != nil {
			return nil, toProblem(ctx, err)
		}
		return out(t), nil
	})
}

// answer registers an operation that answers the view of what its call
// returns as the body.
func answer[I, T, V any](s *server, op huma.Operation, acc access,
	call func(context.Context, *I) (T, error), view func(T) V) {
	answerWith(s, op, acc, call, func(t T) *body[V] { return &body[V]{Body: view(t)} })
}

// answerNothing registers an operation that answers no body (204 unless
// the operation sets another status).
func answerNothing[I any](s *server, op huma.Operation, acc access, call func(context.Context, *I) error) {
	register(s, op, acc, func(ctx context.Context, in *I) (*struct{}, error) {
		if err := call(ctx, in); err != nil {
			return nil, toProblem(ctx, err)
		}
		return nil, nil
	})
}

// views maps a list of domain values to their views; never nil, so an
// empty list is `[]` on the wire.
func views[T, V any](list []T, view func(T) V) []V {
	out := make([]V, len(list))
	for i, t := range list {
		out[i] = view(t)
	}
	return out
}

// PageQuery is the limit and cursor of a paged listing, embedded in the
// listing's input (exported: huma reads only exported embedded fields).
type PageQuery struct {
	Limit  int    `query:"limit" minimum:"0" maximum:"100"`
	Cursor string `query:"cursor" maxLength:"200"`
}

// answerPage registers a listing with cursor paging: list returns one page
// and the cursor of the next; body makes the answer of the page's views
// (never nil) and that cursor.
func answerPage[I, T, V, B any](s *server, op huma.Operation, acc access,
	list func(context.Context, *I) ([]T, string, error), view func(T) V, body func([]V, string) B) {
	type page struct {
		items []T
		next  string
	}
	answer(s, op, acc, func(ctx context.Context, in *I) (page, error) {
		items, next, err := list(ctx, in)
		return page{items, next}, err
	}, func(p page) B { return body(views(p.items, view), p.next) })
}

// deref is what p points to, or the zero value (an absent optional field).
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// asIs is the view of a value that is its own view.
func asIs[T any](t T) T { return t }

// The input of an operation on one object is that object's id in the path
// and the body. The id is declared once, in the object's path type (XPath,
// exported: huma reads only exported embedded fields), which is the whole
// input of an operation without a body and is embedded in the other inputs
// on the object, so handlers read in.DecisionID. The body is a named type
// (xInputBody) whose name is its schema's name in openapi.yaml.

// withBody is the input of an operation with a body and no path parameter.
type withBody[B any] struct {
	Body B
}

// DecisionPath names one decision in the path.
type DecisionPath struct {
	DecisionID int64 `path:"decision_id" minimum:"1"`
}

// onDecision is the input of an operation on one decision.
type onDecision[B any] struct {
	DecisionPath
	Body B
}

// ReviewPath names one legality-review package in the path.
type ReviewPath struct {
	ReviewID int64 `path:"review_id" minimum:"1"`
}

// onReview is the input of an operation on one legality-review package.
type onReview[B any] struct {
	ReviewPath
	Body B
}

// HearingPath names one hearing in the path.
type HearingPath struct {
	HearingID int64 `path:"hearing_id" minimum:"1"`
}

// onHearing is the input of an operation on one hearing.
type onHearing[B any] struct {
	HearingPath
	Body B
}

// ThemePath names one theme of comments in the path.
type ThemePath struct {
	ThemeID int64 `path:"theme_id" minimum:"1"`
}

// onTheme is the input of an operation on one theme of comments.
type onTheme[B any] struct {
	ThemePath
	Body B
}

// OrganisationPath names one organisation in the path.
type OrganisationPath struct {
	OrganisationID int64 `path:"organisation_id" minimum:"1"`
}

// onOrganisation is the input of an operation on one organisation.
type onOrganisation[B any] struct {
	OrganisationPath
	Body B
}

// IDPath names an object by a plain id in the path (an account, a
// session, a supervision problem, a monthly report).
type IDPath struct {
	ID int64 `path:"id" minimum:"1" maximum:"9007199254740991"`
}

// byID is the input of an operation on an object named by a plain id.
type byID[B any] struct {
	IDPath
	Body B
}
