"""The task outbox: tasks go out through ``services.enqueue``; those the broker refused wait here for beat."""
