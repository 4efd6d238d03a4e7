package mail

// TreatAsRemote makes s handle its (loopback) test relay as a remote one:
// STARTTLS and TLS for AUTH required.
func TreatAsRemote(s *SMTP) { s.plainOK = false }
