package api

import "errors"

var errNoIdentity = errors.New("identity service not configured")
