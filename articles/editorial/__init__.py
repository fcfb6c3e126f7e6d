"""The newsroom's editorial side: who may do what (workflow), drafts of changes to
published stories, and images held for a form that must be sent again."""
