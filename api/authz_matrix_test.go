package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// The authorization matrix (issue 15): every operation of the spec, called
// as every role on objects of another agency or of another resident, with
// the status each must answer. The operations come from the spec the server
// serves, so an operation registered without a row here fails the test (the
// failure prints the row it observed, to be checked and pasted).
//
// The callers belong to none of the objects: the staff member works in
// another department (zjj) than the lead unit (jyj) and the decision body
// (gov), the reviewer in another legality-review department (sfj2) than the
// one reviewing (sfj), the adviser is not assigned to the review, the
// resident is not the author of the comments and responses, the supervisor
// works in another government (gov2). The admin is the platform's.
//
// Requests carry a body made from the operation's schema (the required
// fields with valid values), so that a request passes validation and
// reaches the service, where the ownership check must refuse it: a 2xx
// where another agency's or resident's object is concerned is a hole.

// matrixRoles are the callers, in the order of a row's statuses.
var matrixRoles = []string{"anonymous", "resident", "staff", "reviewer", "adviser", "supervisor", "admin"}

// authzMatrix is the expected status of every operation for each of
// matrixRoles. A 2xx for a caller who is not the object's is allowed only
// where the operation is public or the caller's own (a resident commenting
// on an open consultation, anyone reading what is published), and says so
// in the comment.
var authzMatrix = map[string][7]int{
	// Signing keys (their own: list-signing-keys shows the caller's) and webhooks, added after the matrix.
	"confirm-signing-key":                   {401, 404, 404, 404, 404, 404, 404},
	"create-webhook":                        {401, 404, 404, 404, 404, 404, 404},
	"delete-webhook":                        {401, 404, 404, 404, 404, 404, 404},
	"enrol-signing-key":                     {401, 403, 422, 422, 422, 403, 403},
	"list-signing-keys":                     {401, 200, 200, 200, 200, 200, 200},
	"list-webhook-deliveries":               {401, 404, 404, 404, 404, 404, 404},
	"list-webhooks":                         {401, 404, 404, 404, 404, 404, 200},
	"prepare-deliberation-statement":        {401, 403, 422, 403, 403, 403, 403},
	"prepare-legal-opinion-statement":       {401, 403, 403, 403, 403, 403, 403},
	"prepare-publication-statement":         {401, 403, 403, 403, 403, 403, 403},
	"prepare-review-conclusion-statement":   {401, 403, 403, 404, 403, 403, 403},
	"prepare-review-confirmation-statement": {401, 403, 403, 404, 403, 403, 403},
	"redeliver-webhook":                     {401, 404, 404, 404, 404, 404, 404},
	"revoke-signing-key":                    {401, 404, 404, 404, 404, 404, 404},
	"add-catalogue-item":                    {401, 403, 404, 403, 403, 403, 422},
	"add-procedure-document":                {401, 403, 403, 403, 403, 403, 403},
	"add-survey-question":                   {401, 403, 403, 403, 403, 403, 403},
	"adjust-assessment-score":               {401, 403, 403, 403, 403, 422, 422},
	"adjust-decision":                       {401, 403, 403, 403, 403, 403, 403},
	"add-comments-to-theme":                 {401, 403, 404, 403, 403, 403, 403},
	"analyze-themes":                        {401, 403, 403, 403, 403, 403, 403},
	"answer-decision-proposal":              {401, 403, 403, 403, 403, 403, 200},
	"answer-theme":                          {401, 403, 404, 403, 403, 403, 403},
	"place-offline-opinions":                {401, 403, 404, 403, 403, 403, 403},
	"apply-to-hearing":                      {401, 404, 403, 403, 403, 403, 403},
	"cancel-hearing":                        {401, 403, 404, 403, 403, 403, 403},
	"reschedule-hearing":                    {401, 403, 404, 403, 403, 403, 403},
	"withdraw-hearing-application":          {401, 404, 404, 404, 404, 404, 404}, // a resident's own; the hearing is nobody's here
	"assign-legal-adviser":                  {401, 403, 403, 404, 403, 403, 403},
	"change-password":                       {401, 422, 422, 422, 422, 422, 422},
	"circulate-problem-list":                {401, 403, 403, 403, 403, 422, 200},
	"close-problem":                         {401, 403, 403, 403, 403, 404, 409},
	"close-survey":                          {401, 403, 403, 403, 403, 403, 403},
	"compare-draft-versions":                {200, 200, 200, 200, 200, 200, 200},
	"confirm-password-reset":                {422, 422, 422, 422, 422, 422, 422},
	"confirm-review-changes":                {401, 403, 403, 404, 403, 403, 403},
	"create-account":                        {401, 403, 403, 403, 403, 403, 422},
	"create-agency":                         {401, 403, 403, 403, 403, 403, 409},
	"create-api-key":                        {401, 404, 404, 404, 404, 404, 404},
	"create-catalogue":                      {401, 403, 422, 403, 403, 403, 422},
	"create-comment":                        {401, 409, 403, 403, 403, 403, 403},
	"create-decision":                       {401, 403, 422, 403, 403, 403, 403},
	"create-draft-version":                  {401, 403, 403, 403, 403, 403, 403},
	"create-hearing":                        {401, 403, 422, 403, 403, 403, 403},
	"create-implementation-feedback":        {401, 409, 403, 403, 403, 403, 403},
	"create-inspection":                     {401, 403, 403, 403, 403, 422, 422},
	"create-legal-adviser-profile":          {401, 403, 403, 403, 403, 403, 201},
	"create-legal-opinion":                  {401, 403, 403, 403, 403, 403, 403},
	"create-organisation":                   {401, 409, 409, 409, 409, 409, 409},
	"create-participation-activity":         {401, 403, 403, 403, 403, 403, 403},
	"create-search-synonym-group":           {401, 403, 403, 403, 403, 403, 422},
	"create-session":                        {401, 401, 401, 401, 401, 429, 429},
	"create-survey":                         {401, 403, 422, 403, 403, 403, 403},
	"delete-search-synonym-group":           {401, 403, 403, 403, 403, 403, 404},
	"delete-survey-question":                {401, 403, 403, 403, 403, 403, 403},
	"disable-account":                       {401, 403, 403, 403, 403, 403, 200},
	"dispose-offline-opinion":               {401, 403, 404, 403, 403, 403, 403},
	"download-open-data-file":               {404, 404, 404, 404, 404, 404, 404},
	"draft-adoption-report-from-themes":     {401, 403, 403, 403, 403, 403, 403},
	"draw-hearing-participants":             {401, 403, 404, 403, 403, 403, 403},
	"enable-account":                        {401, 403, 403, 403, 403, 403, 200},
	"end-decision":                          {401, 403, 409, 403, 403, 403, 409},
	"export-annual-assessment":              {401, 403, 200, 403, 403, 200, 200},
	"export-comments":                       {401, 403, 403, 403, 403, 403, 403},
	"export-themes":                         {401, 403, 403, 403, 403, 403, 200},
	"export-decision-archive":               {401, 403, 403, 403, 403, 403, 200},
	"export-catalogue-archive":              {401, 404, 404, 404, 404, 404, 200},
	"export-monthly-report":                 {404, 404, 404, 404, 404, 404, 200},
	"export-survey-responses":               {401, 403, 403, 403, 403, 403, 403},
	"export-survey-results":                 {401, 403, 403, 403, 403, 403, 403},
	"extend-consultation":                   {401, 403, 403, 403, 403, 403, 403},
	"generate-adoption-report":              {401, 403, 403, 403, 403, 403, 403},
	"generate-monthly-reports":              {401, 403, 403, 403, 403, 200, 200},
	"get-adoption-report":                   {200, 200, 200, 200, 200, 200, 200},
	"get-annual-assessment":                 {401, 403, 200, 403, 403, 200, 200},
	"get-attachment":                        {404, 404, 404, 404, 404, 404, 404},
	"get-catalogue":                         {404, 404, 404, 404, 404, 404, 200},
	"get-circulation":                       {401, 404, 404, 404, 404, 404, 404},
	"get-comment":                           {200, 200, 200, 200, 200, 200, 200},
	"get-comment-by-receipt":                {200, 200, 200, 200, 200, 200, 200},
	"get-comment-statistics":                {200, 200, 200, 200, 200, 200, 200},
	"get-compliance-overview":               {401, 403, 200, 403, 403, 200, 200},
	"get-decision":                          {200, 200, 200, 200, 200, 200, 200},
	"get-decision-body-settings":            {401, 403, 200, 403, 403, 403, 200},
	"get-decision-compliance":               {401, 404, 404, 404, 404, 404, 200},
	"get-decision-gates":                    {401, 403, 403, 403, 403, 403, 200},
	"get-decision-publication":              {404, 404, 404, 404, 404, 404, 404},
	"get-decision-record":                   {200, 200, 200, 200, 200, 200, 200},
	"get-draft-version":                     {200, 200, 200, 200, 200, 200, 200},
	"get-hearing":                           {404, 404, 404, 404, 404, 404, 404},
	"get-hearing-draw":                      {404, 404, 404, 404, 404, 404, 404},
	"get-legality-review":                   {401, 404, 404, 404, 404, 404, 200},
	"get-me":                                {401, 200, 200, 200, 200, 200, 200},
	"get-meeting-composition":               {401, 403, 200, 200, 403, 403, 200},
	"get-monthly-report":                    {404, 404, 404, 404, 404, 404, 200},
	"get-my-survey-response":                {401, 404, 403, 403, 403, 403, 403},
	"get-open-data-export":                  {404, 404, 404, 404, 404, 404, 404},
	"get-organisation":                      {401, 404, 404, 404, 404, 404, 200},
	"get-problem":                           {401, 404, 404, 404, 404, 404, 200},
	"get-record-consistency-proof":          {200, 200, 200, 200, 200, 200, 200},
	"get-record-head":                       {200, 200, 200, 200, 200, 200, 200},
	"get-record-inclusion-proof":            {200, 200, 200, 200, 200, 200, 200},
	"get-record-public-key":                 {200, 200, 200, 200, 200, 200, 200},
	"get-survey":                            {200, 200, 200, 200, 200, 200, 200},
	"get-survey-crosstab":                   {422, 422, 422, 422, 422, 422, 422},
	"get-survey-results":                    {200, 200, 200, 200, 200, 200, 200},
	"get-theme":                             {401, 403, 404, 403, 403, 403, 404},
	"get-workday-calendar":                  {200, 200, 200, 200, 200, 200, 200},
	"get-workday-calendar-coverage":         {200, 200, 200, 200, 200, 200, 200},
	"initiate-decision-item":                {401, 403, 403, 403, 403, 403, 409},
	"issue-monthly-report":                  {401, 403, 403, 403, 403, 404, 409},
	"link-decision-catalogue-item":          {401, 403, 403, 403, 403, 403, 403},
	"list-accounts":                         {401, 403, 403, 403, 403, 403, 200},
	"list-admin-audit-log":                  {401, 403, 403, 403, 403, 403, 200},
	"list-agencies":                         {200, 200, 200, 200, 200, 200, 200},
	"list-api-key-uses":                     {401, 404, 404, 404, 404, 404, 404},
	"list-api-keys":                         {401, 404, 404, 404, 404, 404, 200},
	"list-catalogues":                       {200, 200, 200, 200, 200, 200, 200},
	"list-changes":                          {200, 200, 200, 200, 200, 200, 200},
	"list-comment-groups":                   {401, 403, 403, 403, 403, 403, 403},
	"list-comments":                         {200, 200, 200, 200, 200, 200, 200},
	"list-decision-proposals":               {200, 200, 200, 200, 200, 200, 200},
	"list-decisions":                        {200, 200, 200, 200, 200, 200, 200},
	"list-deliberations":                    {401, 403, 403, 403, 403, 403, 200},
	"list-draft-versions":                   {200, 200, 200, 200, 200, 200, 200},
	"list-hearing-participants":             {404, 404, 404, 404, 404, 404, 404},
	"list-hearing-statements":               {404, 404, 404, 404, 404, 404, 404},
	"list-hearings":                         {200, 200, 200, 200, 200, 200, 200},
	"list-implementation-feedback":          {401, 403, 403, 403, 403, 403, 200},
	"list-implementation-reports":           {404, 404, 404, 404, 404, 404, 404},
	"list-inspections":                      {401, 403, 403, 403, 403, 200, 200},
	"list-legal-advisers":                   {401, 403, 403, 200, 403, 403, 200},
	"list-legal-opinions":                   {401, 404, 404, 404, 404, 404, 200},
	"list-legality-reviews":                 {401, 200, 200, 200, 200, 200, 200},
	"list-listed-supervision":               {401, 403, 200, 403, 403, 200, 200},
	"list-monthly-reports":                  {401, 403, 200, 403, 403, 200, 200},
	"list-my-comments":                      {401, 200, 403, 403, 403, 403, 403},
	"list-my-sessions":                      {401, 200, 200, 200, 200, 200, 200},
	"list-offline-opinions":                 {200, 200, 200, 200, 200, 200, 200},
	"list-open-data-exports":                {200, 200, 200, 200, 200, 200, 200},
	"list-organisation-comments":            {401, 404, 404, 404, 404, 404, 200},
	"list-organisations":                    {401, 200, 200, 200, 200, 200, 200},
	"list-overdue-steps":                    {401, 403, 200, 403, 403, 200, 200},
	"list-participation-activities":         {200, 200, 200, 200, 200, 200, 200},
	"list-post-evaluations":                 {404, 404, 404, 404, 404, 404, 404},
	"list-problems":                         {401, 403, 200, 403, 403, 200, 200},
	"list-procedure-documents":              {401, 403, 403, 403, 403, 403, 200},
	"list-record-heads":                     {200, 200, 200, 200, 200, 200, 200},
	"list-search-synonyms":                  {401, 403, 403, 403, 403, 403, 200},
	"list-surveys":                          {200, 200, 200, 200, 200, 200, 200},
	"list-theme-answer-templates":           {401, 403, 403, 403, 403, 403, 200},
	"list-themes":                           {401, 403, 403, 403, 403, 403, 200},
	"list-unthemed-comments":                {401, 403, 403, 403, 403, 403, 200},
	"merge-themes":                          {401, 403, 404, 403, 403, 403, 403},
	"moderate-comment":                      {401, 403, 403, 403, 403, 403, 403},
	"move-comments-to-theme":                {401, 403, 404, 403, 403, 403, 403},
	"open-consultation":                     {401, 403, 403, 403, 403, 403, 403},
	"open-survey":                           {401, 403, 403, 403, 403, 403, 403},
	"propose-decision-item":                 {401, 422, 422, 422, 422, 422, 422},
	"publish-adoption-report":               {401, 403, 403, 403, 403, 403, 403},
	"publish-catalogue":                     {401, 403, 404, 403, 403, 403, 409},
	"publish-decision":                      {401, 403, 403, 403, 403, 403, 403},
	"publish-hearing-notice":                {401, 403, 404, 403, 403, 403, 403},
	"publish-hearing-participants":          {401, 403, 404, 403, 403, 403, 403},
	"publish-hearing-report":                {401, 403, 404, 403, 403, 403, 403},
	"publish-hearing-selection-method":      {401, 403, 404, 403, 403, 403, 403},
	"record-accountability-suggestion":      {401, 403, 403, 403, 403, 404, 200},
	"record-catalogue-approval":             {401, 403, 422, 403, 403, 403, 422},
	"record-deliberation":                   {401, 403, 422, 403, 403, 403, 403},
	"record-hearing-materials-delivery":     {401, 403, 422, 403, 403, 403, 403},
	"record-hearing-minutes":                {401, 403, 404, 403, 403, 403, 403},
	"record-offline-opinions":               {401, 403, 403, 403, 403, 403, 403},
	"record-party-report":                   {401, 403, 403, 403, 403, 403, 403},
	"record-problem":                        {401, 403, 403, 403, 403, 422, 422},
	"register-resident":                     {422, 422, 422, 422, 422, 422, 422},
	"request-catalogue-adjustment":          {401, 403, 404, 403, 403, 403, 409},
	"request-password-reset":                {202, 429, 429, 429, 429, 429, 429},
	"request-review-materials":              {401, 403, 403, 404, 403, 403, 403},
	"resend-verification-code":              {422, 422, 422, 422, 422, 422, 422},
	"reset-account-password":                {401, 403, 403, 403, 403, 403, 422},
	"resolve-unlawful-opinion":              {401, 403, 403, 404, 403, 403, 403},
	"resubmit-legality-review":              {401, 403, 422, 403, 403, 403, 403},
	"resume-decision":                       {401, 403, 403, 403, 403, 403, 422},
	"return-legality-review":                {401, 403, 403, 404, 403, 403, 403},
	"return-rectification":                  {401, 403, 403, 403, 403, 422, 422},
	"revise-after-unlawful-conclusion":      {401, 403, 404, 403, 403, 403, 403},
	"revoke-api-key":                        {401, 404, 404, 404, 404, 404, 404},
	"revoke-session":                        {401, 404, 404, 404, 404, 404, 404},
	"save-theme-answer-template":            {401, 403, 403, 403, 403, 403, 403},
	"search":                                {200, 200, 200, 200, 200, 200, 200},
	"search-agency-comments":                {401, 403, 403, 403, 403, 403, 403},
	"send-hearing-signing-code":             {401, 404, 403, 403, 403, 403, 403},
	"set-comment-disposition":               {401, 403, 403, 403, 403, 403, 403},
	"set-decision-body-settings":            {401, 403, 403, 403, 403, 403, 200},
	"set-group-disposition":                 {401, 403, 404, 403, 403, 403, 403},
	"set-hearing-requirement":               {401, 403, 403, 403, 403, 403, 403},
	"set-meeting-composition":               {401, 403, 403, 403, 403, 403, 422},
	"sign-hearing-minutes":                  {401, 404, 404, 404, 404, 404, 404},
	"sign-review-conclusion":                {401, 403, 403, 404, 403, 403, 403},
	"split-theme":                           {401, 403, 404, 403, 403, 403, 403},
	"start-post-evaluation":                 {401, 403, 409, 403, 403, 403, 409},
	"submit-implementation-report":          {401, 403, 422, 403, 403, 403, 403},
	"submit-legality-review":                {401, 403, 403, 403, 403, 403, 403},
	"submit-organisation-comment":           {401, 401, 401, 401, 401, 401, 401},
	"submit-post-evaluation-report":         {401, 403, 409, 403, 403, 403, 409},
	"submit-rectification":                  {401, 404, 404, 404, 404, 403, 403},
	"submit-survey-response":                {401, 409, 403, 403, 403, 403, 403},
	"suspend-decision":                      {401, 403, 403, 403, 403, 403, 422},
	"update-account":                        {401, 403, 403, 403, 403, 403, 200},
	"update-adoption-report":                {401, 403, 403, 403, 403, 403, 403},
	"update-agency":                         {401, 403, 403, 403, 403, 403, 200},
	"update-assessment-indicators":          {401, 403, 403, 403, 403, 422, 422},
	"update-decision":                       {401, 403, 403, 403, 403, 403, 403},
	"update-legal-adviser-profile":          {401, 403, 403, 403, 403, 403, 200},
	"update-monthly-report-analysis":        {401, 403, 403, 403, 403, 404, 200},
	"update-survey":                         {401, 403, 403, 403, 403, 403, 403},
	"update-survey-question":                {401, 403, 403, 403, 403, 403, 403},
	"update-theme":                          {401, 403, 404, 403, 403, 403, 403},
	"update-workday-calendar":               {401, 403, 403, 403, 403, 403, 409},
	"verify-decision-record":                {200, 200, 200, 200, 200, 200, 200},
	"verify-catalogue-record":               {404, 404, 404, 404, 404, 404, 200},
	"verify-monthly-report":                 {404, 404, 404, 404, 404, 404, 409},
	"verify-organisation":                   {401, 403, 403, 403, 403, 403, 200},
	"verify-phone":                          {422, 422, 422, 422, 422, 422, 422},
	"waive-hearing":                         {401, 403, 403, 403, 403, 403, 403},
	"waive-survey-requirement":              {401, 403, 403, 403, 403, 403, 403},
	"withdraw-decision":                     {401, 403, 403, 403, 403, 403, 403},
	"delete-my-data":                        {401, 422, 403, 403, 403, 403, 403},
	"delete-session":                        {401, 204, 204, 204, 204, 204, 204},
	// Issue 17: the caller's own inbox, subscriptions and settings; another
	// resident's subscription or notification is 404 to everyone else.
	"create-subscription":          {401, 422, 422, 422, 422, 422, 422},
	"delete-subscription":          {401, 404, 404, 404, 404, 404, 404},
	"get-notification-settings":    {401, 200, 200, 200, 200, 200, 200},
	"list-my-notifications":        {401, 200, 200, 200, 200, 200, 200},
	"list-my-subscriptions":        {401, 200, 200, 200, 200, 200, 200},
	"read-all-notifications":       {401, 200, 200, 200, 200, 200, 200},
	"read-notification":            {401, 404, 404, 404, 404, 404, 404},
	"update-notification-settings": {401, 422, 422, 422, 422, 422, 422},
}

// matrixWorld is the fixture: a decision of 市教育局 through consultation,
// survey and a lawful legality-review conclusion, and the callers.
type matrixWorld struct {
	*procedure
	callers map[string]string // role → token
	params  map[string]string // path parameter → value
	// secrets are texts of the fixture that only the lead unit, the
	// reviewing department, the assigned adviser (and admins) may read.
	secrets []string
}

func newMatrixWorld(t *testing.T) *matrixWorld {
	p, _ := reviewedProcedure(t)
	ctx := context.Background()
	w := &matrixWorld{procedure: p, callers: map[string]string{}, params: map[string]string{}}
	p.Agency("zjj", "平顶山市住房和城乡建设局", identity.AgencyDepartment)
	p.Agency("sfj2", "某区司法局", identity.AgencyLegalityReview)
	p.Agency("gov2", "某区人民政府", identity.AgencyGovernment)
	p.Agency("mzj", "平顶山市民政局", identity.AgencyDepartment) // the agency an admin edits
	// The departments and the review department belong to the city
	// government; gov2 is a district's, with its own rule-of-law office.
	if _, err := p.DB.Exec(context.Background(), `UPDATE agencies SET parent_id = (SELECT id FROM agencies WHERE code = 'gov')
		WHERE code IN ('jyj', 'zjj', 'sfj')`); err != nil {
		t.Fatal(err)
	}
	// Sessions made now: the procedure moved the clock past older ones.
	p.signInAgain(t)
	w.callers["anonymous"] = ""
	_, w.callers["resident"] = p.Account(identity.RoleResident, "")
	_, w.callers["staff"] = p.Account(identity.RoleAgencyStaff, "zjj")
	_, w.callers["reviewer"] = p.Account(identity.RoleReviewer, "sfj2")
	_, w.callers["adviser"] = p.Account(identity.RoleLegalAdviser, "")
	_, w.callers["supervisor"] = p.Account(identity.RoleSupervisor, "gov2")
	_, w.callers["admin"] = p.Account(identity.RoleAdmin, "")

	one := func(sql string, args ...any) string {
		t.Helper()
		var v any
		if err := p.DB.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return fmt.Sprint(v)
	}
	alice := p.accounts["alice"]
	w.secrets = []string{
		*alice.Phone, // a resident's phone number
		"加微信领红包",     // a comment the moderator rejected
		"已公开征求意见30日并开展民意调查。", // the adviser's opinion and the review's reasoning
	}
	w.params["decision_id"] = strconv.FormatInt(p.decision, 10)
	w.params["number"] = "1"
	w.params["review_id"] = one(`SELECT id FROM legality_reviews WHERE decision_id = $1`, p.decision)
	w.params["comment_id"] = one(`SELECT id FROM comments WHERE account_id = $1 ORDER BY id LIMIT 1`, alice.ID)
	w.params["receipt"] = one(`SELECT receipt FROM comments WHERE account_id = $1 ORDER BY id LIMIT 1`, alice.ID)
	w.params["survey_id"] = one(`SELECT id FROM surveys WHERE decision_id = $1`, p.decision)
	w.params["question_id"] = one(`SELECT id FROM survey_questions WHERE survey_id = $1 LIMIT 1`, w.params["survey_id"])
	w.params["code"] = "gov"
	w.params["year"] = "2026"
	w.params["tree_size"] = "1"
	w.params["name"] = "decisions.csv"
	w.params["key_id"] = "1"
	// Kinds of object the fixture does not make: an id nobody has.
	for _, k := range []string{"hearing_id", "export_id", "opinion_id", "group_id", "attachment_id"} {
		w.params[k] = "999999"
	}
	w.own(t)
	return w
}

// own makes the objects of other kinds, each by its owner: a catalogue and
// its item and a resident's proposal (the decision body), an organisation
// (alice), a theme analysis and a hearing (the lead unit), a problem and a
// monthly report (the city's rule-of-law office).
func (w *matrixWorld) own(t *testing.T) {
	made := func(name, method, path, token string, body any, pick func([]byte) string) {
		t.Helper()
		r := w.Do(method, path, token, body)
		if r.Status >= 300 {
			t.Fatalf("fixture %s: %d %s", name, r.Status, r.Body)
		}
		w.params[name] = pick(r.Body)
	}
	id := func(b []byte) string {
		var v struct{ ID int64 }
		json.Unmarshal(b, &v)
		return strconv.FormatInt(v.ID, 10)
	}
	made("catalogue_id", "POST", "/catalogues", w.tok("body"), map[string]any{"decision_body": "gov", "year": 2027}, id)
	made("item_id", "POST", "/catalogues/"+w.params["catalogue_id"]+"/items", w.tok("body"), map[string]any{"title": "甲事项",
		"lead_agency": "jyj", "domain": "education_culture", "category": "public_services", "planned_quarter": 2}, id)
	made("proposal_id", "POST", "/decision-proposals", w.tok("alice"), map[string]any{"decision_body": "gov", "proposer_kind": "resident",
		"title": "课后托管补贴", "description": "建议对困难家庭课后托管给予补贴。"}, id)
	made("organisation_id", "POST", "/organisations", w.tok("alice"), map[string]any{"name": "平顶山市家长互助会", "credit_code": "91350100M000100Y43"}, id)
	made("theme_id", "POST", fmt.Sprintf("/decisions/%d/themes/analyze", w.decision), w.tok("staff"), nil, func(b []byte) string {
		var v struct{ Themes []struct{ ID int64 } }
		json.Unmarshal(b, &v)
		if len(v.Themes) == 0 {
			t.Logf("two comments make no theme: theme operations are called on an id nobody has")
			return "999999"
		}
		return strconv.FormatInt(v.Themes[0].ID, 10)
	})
	_, office := w.Account(identity.RoleSupervisor, "gov")
	var jyj int64
	if err := w.DB.QueryRow(context.Background(), `SELECT id FROM agencies WHERE code = 'jyj'`).Scan(&jyj); err != nil {
		t.Fatal(err)
	}
	made("problem_id", "POST", "/supervision/problems", office, map[string]any{"agency_id": jyj, "rule": "未按期公布意见采纳情况",
		"basis": "《重大行政决策程序暂行条例》第十八条", "evidence": "征求意见结束30日后仍未公布。", "severity": "serious",
		"deadline": w.Clock.Now().AddDate(0, 0, 7).Format("2006-01-02"), "listed": false}, id)
	// The problem's evidence: the city's office and 市教育局 read it, no other government's office.
	w.secrets = append(w.secrets, "征求意见结束30日后仍未公布。")
	made("monthly_report_id", "POST", "/supervision/monthly-reports/generate", office,
		map[string]any{"month": w.Clock.Now().AddDate(0, -1, 0).Format("2006-01")}, func(b []byte) string {
			var v struct{ Reports []struct{ ID int64 } }
			json.Unmarshal(b, &v)
			return strconv.FormatInt(v.Reports[len(v.Reports)-1].ID, 10)
		})
	start := w.Clock.Now().Add(40 * 24 * time.Hour)
	r := w.Do("POST", fmt.Sprintf("/decisions/%d/hearings", w.decision), w.tok("staff"), map[string]any{"title": "课后服务收费听证会",
		"place": "市政务服务中心", "starts_at": start, "applications_close_at": start.Add(-12 * 24 * time.Hour),
		"sides": []string{"支持方", "反对方"}, "seats_per_side": 2})
	if r.Status < 300 {
		w.params["hearing_id"] = id(r.Body)
	} else {
		t.Logf("no hearing at this stage (%d %s): hearing operations are called on an id nobody has", r.Status, r.Code())
	}
}

var matrixParam = regexp.MustCompile(`\{(\w+)\}`)

// path fills an operation's path with the world's objects.
func (w *matrixWorld) path(t *testing.T, tmpl string) string {
	return matrixParam.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[1 : len(m)-1]
		if name == "id" {
			switch {
			case strings.HasPrefix(tmpl, "/accounts/"):
				return strconv.FormatInt(w.accounts["alice"].ID, 10)
			case strings.HasPrefix(tmpl, "/legal-advisers/"):
				return strconv.FormatInt(w.accounts["adviser"].ID, 10)
			case strings.HasPrefix(tmpl, "/supervision/decisions/"):
				return w.params["decision_id"]
			case strings.HasPrefix(tmpl, "/supervision/problems/"):
				return w.params["problem_id"]
			case strings.HasPrefix(tmpl, "/supervision/monthly-reports/"):
				return w.params["monthly_report_id"]
			case strings.HasPrefix(tmpl, "/agencies/"):
				var id int64
				if err := w.DB.QueryRow(context.Background(), `SELECT id FROM agencies WHERE code = 'mzj'`).Scan(&id); err != nil {
					t.Fatal(err)
				}
				return strconv.FormatInt(id, 10)
			case strings.HasPrefix(tmpl, "/me/sessions/"):
				var id int64
				if err := w.DB.QueryRow(context.Background(), `SELECT id FROM sessions WHERE account_id = $1 ORDER BY id DESC LIMIT 1`,
					w.accounts["alice"].ID).Scan(&id); err != nil {
					t.Fatal(err)
				}
				return strconv.FormatInt(id, 10)
			}
			return "999999"
		}
		if name == "subscription_id" || name == "notification_id" {
			return w.aliceNotifyObject(t, name)
		}
		v, ok := w.params[name]
		if !ok && strings.HasSuffix(name, "_id") {
			return "999999" // a kind of object the fixture does not make yet: an id nobody has
		}
		if !ok {
			t.Fatalf("no object for path parameter %s of %s", name, tmpl)
		}
		return v
	})
}

// specOperation is one operation of the served spec.
type specOperation struct {
	ID, Method, Path string
	Body             map[string]any // request body schema, nil when none
	Query            []specParameter
}

// specParameter is a required query parameter.
type specParameter struct {
	Name   string         `json:"name"`
	In     string         `json:"in"`
	Schema map[string]any `json:"schema"`
	Needed bool           `json:"required"`
}

func servedOperations(t *testing.T, e *testenv.Env) ([]specOperation, map[string]any) {
	var spec struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	e.Do("GET", "/openapi.json", "", nil).Expect(t, 200, "").JSON(t, &spec)
	var ops []specOperation
	for path, methods := range spec.Paths {
		for method, raw := range methods {
			var op struct {
				OperationID string          `json:"operationId"`
				Parameters  []specParameter `json:"parameters"`
				RequestBody struct {
					Content map[string]struct {
						Schema map[string]any `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			if json.Unmarshal(raw, &op) != nil || op.OperationID == "" {
				continue
			}
			o := specOperation{ID: op.OperationID, Method: strings.ToUpper(method), Path: path}
			for _, p := range op.Parameters {
				if p.In == "query" && p.Needed {
					o.Query = append(o.Query, p)
				}
			}
			if c, ok := op.RequestBody.Content["application/json"]; ok {
				o.Body = c.Schema
			}
			ops = append(ops, o)
		}
	}
	// Alphabetical, but what ends the caller's own session or data last.
	last := func(id string) bool { return id == "delete-session" || id == "delete-my-data" }
	sort.Slice(ops, func(i, j int) bool {
		if last(ops[i].ID) != last(ops[j].ID) {
			return last(ops[j].ID)
		}
		return ops[i].ID < ops[j].ID
	})
	return ops, spec.Components.Schemas
}

// sample makes a valid value for a JSON schema: the required properties of
// an object, one item of an array, the first of an enum, a date in the
// future, the minimum of a number.
func sample(schemas map[string]any, s map[string]any, depth int) any {
	if ref, ok := s["$ref"].(string); ok {
		r, _ := schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		return sample(schemas, r, depth)
	}
	if ex, ok := s["examples"].([]any); ok && len(ex) > 0 {
		return ex[0]
	}
	if ex, ok := s["example"]; ok {
		return ex
	}
	if en, ok := s["enum"].([]any); ok && len(en) > 0 {
		for _, v := range en {
			if v != "" && v != nil {
				return v
			}
		}
	}
	typ, _ := s["type"].(string)
	if ts, ok := s["type"].([]any); ok && len(ts) > 0 {
		typ, _ = ts[0].(string)
	}
	switch typ {
	case "object":
		out := map[string]any{}
		if depth > 6 {
			return out
		}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if ps, ok := props[r.(string)].(map[string]any); ok {
				out[r.(string)] = sample(schemas, ps, depth+1)
			}
		}
		return out
	case "array":
		items, _ := s["items"].(map[string]any)
		if depth > 6 || items == nil {
			return []any{}
		}
		return []any{sample(schemas, items, depth+1)}
	case "integer", "number":
		if m, ok := s["minimum"].(float64); ok && m > 0 {
			return m
		}
		return 1
	case "boolean":
		return false
	case "string":
		switch s["format"] {
		case "date":
			return time.Now().AddDate(0, 2, 0).Format(time.DateOnly)
		case "date-time":
			return time.Now().AddDate(0, 2, 0).UTC().Format(time.RFC3339)
		}
		if s["contentEncoding"] == "base64" {
			return "JVBERi0xLjQK"
		}
		if p, ok := s["pattern"].(string); ok && strings.Contains(p, "[0-9]{4}-") {
			return "2026-09"
		}
		return "权限矩阵测试"
	}
	return nil
}

func TestAuthorizationMatrix(t *testing.T) {
	w := newMatrixWorld(t)
	ops, schemas := servedOperations(t, w.Env)
	if len(ops) < 200 {
		t.Fatalf("the spec lists %d operations", len(ops))
	}
	var missing []string
	for _, op := range ops {
		var body any
		if op.Body != nil {
			body = sample(schemas, op.Body, 0)
		}
		path := w.path(t, op.Path)
		for i, q := range op.Query {
			sep := "&"
			if i == 0 {
				sep = "?"
			}
			path += sep + q.Name + "=" + fmt.Sprint(sample(schemas, q.Schema, 0))
		}
		var got [7]int
		for i, role := range matrixRoles {
			r := w.Do(op.Method, path, w.callers[role], body)
			got[i] = r.Status
			if os.Getenv("MATRIX_DEBUG") != "" && r.Status < 300 && role != "admin" && role != "anonymous" && got[0] >= 400 {
				t.Logf("DEBUG %s as %s: %d %.400s", op.ID, role, r.Status, r.Body)
			}
			if r.Status < 300 && role != "admin" {
				for _, secret := range w.secrets {
					if strings.Contains(string(r.Body), secret) {
						t.Errorf("%s %s as %s: %d shows %q, which only the object's own agencies and admins may read", op.ID, path, role, r.Status, secret)
					}
				}
			}
			if r.Status >= 500 {
				t.Errorf("%s %s as %s: %d (a 5xx is a bug): %.300s", op.ID, path, role, r.Status, r.Body)
			}
		}
		want, ok := authzMatrix[op.ID]
		if !ok {
			missing = append(missing, fmt.Sprintf("\t%q: {%s},", op.ID, joinInts(got[:])))
			continue
		}
		for i, role := range matrixRoles {
			if got[i] != want[i] {
				t.Errorf("%s %s %s as %s: %d, want %d", op.ID, op.Method, path, role, got[i], want[i])
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d operations have no row in authzMatrix; observed (check each before pasting):\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

func joinInts(list []int) string {
	s := make([]string, len(list))
	for i, n := range list {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// aliceNotifyObject is a subscription or a notification of alice (issue 17),
// which nobody else may read or change.
func (w *matrixWorld) aliceNotifyObject(t *testing.T, name string) string {
	ctx, alice := context.Background(), w.accounts["alice"].ID
	var id int64
	var err error
	if name == "subscription_id" {
		err = w.DB.QueryRow(ctx, `INSERT INTO subscriptions (account_id, domain) VALUES ($1, 'health')
			ON CONFLICT (account_id, domain, agency_id, decision_id) DO UPDATE SET domain = 'health' RETURNING id`, alice).Scan(&id)
	} else {
		err = w.DB.QueryRow(ctx, `WITH e AS (INSERT INTO domain_events (kind, occurred_at, subject_type, public)
			VALUES ('survey_opened', now(), 'survey', true) RETURNING id)
			INSERT INTO notifications (account_id, event_id, kind, title, immediate) SELECT $1, e.id, 'survey_opened', '问卷调查开始', false
			FROM e RETURNING id`, alice).Scan(&id)
	}
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}
