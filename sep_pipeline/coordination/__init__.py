"""The coordinator's side, beside the flow: who has sent what for a quarter (`status`) and the
reminders before and after the deadline (`remind`)."""
