## Customer: greeting and menu
start-greeting = Hello, { $name }! I'm the { $shop } assistant. Ask me anything, or choose below. Free text always works.
help-text = I can answer questions, take a return (no receipt needed), record a complaint, or put you through to a person.
    Commands: /menu shows the menu, /cancel stops what we're doing, /language switches the language.
menu-prompt = What can I do for you?
menu-ask = ❓ Ask a question
menu-return = ↩️ Return a product
menu-complaint = 📝 Make a complaint
menu-person = 👤 Talk to a person
menu-callback = 📞 Request a callback
menu-requests = 📋 My requests
cancelled = Cancelled. What else can I do for you?
nothing-to-cancel = There's nothing to cancel. What can I do for you?

## Errors
error-generic = Sorry, something went wrong on our side. Your message is saved and a person will see it.

## Command menu
command-start = Start over
command-menu = Show the menu
command-help = What I can do
command-cancel = Cancel the current step
