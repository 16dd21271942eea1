package themes

// SetClustered sets the hook an analysis runs between clustering and
// storing (for tests of a staff step made meanwhile).
func SetClustered(s *Service, f func()) { s.clustered = f }
