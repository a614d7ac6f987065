"""Mail: composing messages from templates, and the transports that send them (SMTP, or files in
the data directory when no SMTP server is configured). What is sent, and when, is decided by the
services; they queue a mail in the store's outbox (``services/mail.py``) and the job runner sends
it through the context's transport."""
