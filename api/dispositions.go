package api

// registerDispositions registers the operations of this file (filled in by its feature).
func (s *server) registerDispositions() {}
