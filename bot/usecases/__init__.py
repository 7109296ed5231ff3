"""Use cases: one module per thing a person or a deadline does, named by its verb.

Each takes its inputs and `now`, changes the rules' state through bot.services, queues what
must be said to other chats through the outbox, and returns what happened for the caller to
render. Handlers and deadline actions only parse, call one of these, and render.
"""
