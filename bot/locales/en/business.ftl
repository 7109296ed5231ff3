# Telegram Business: customers who write to the shop's own connected account.
business-owner-wrote = ✍️ { $owner } answered the customer personally in the shop's account; the bot keeps quiet there for { $minutes } min after the customer's next message.
business-paused = ⏸ The bot is paused in this customer's chat with { $account }: only people answer there until /resume.
business-resumed = ▶️ The bot answers this customer again.
business-not-business = This customer writes to the bot, not to a connected shop account: there is nothing to pause.
business-undelivered = ⚠️ Not delivered: the shop account { $account } is disconnected from the bot or does not let it reply, or the customer has not written there for 24 hours (Telegram then lets a bot write no more). Kept here; answer from the account itself, or reconnect the bot (Settings → Telegram Business → Chatbots).
business-relayed-quietly = (the bot kept quiet: { $why })
business-why-owner = the owner is answering personally
business-why-paused = staff paused the bot in this chat
business-why-cannot-reply = the account does not let the bot reply
business-connected = 💼 The bot is connected to the shop account { $account }: customers who write there are served like those who write to the bot.
business-disconnected = 💼 The shop account { $account } disconnected the bot. Its customers' messages no longer reach staff; what staff write in their topics is kept but not delivered.
business-read-only = 💼 The shop account { $account } no longer lets the bot reply. Customers' messages still reach staff; answer them from the account itself.
business-restored = 💼 The bot can answer in the shop account { $account } again.
staff-topic-account = 💼 Writes to the shop account { $account }.
business-undelivered-queued = ⚠️ Could not reach the customer through the shop account (the account disconnected the bot or bars it from replying, or the customer has not written there for 24 hours, after which Telegram lets a bot write no more). Not sent: «{ $text }». Write to them from the account itself.
business-kept-quiet-queued = 🤫 The bot kept quiet in the customer's chat (the owner is answering personally, or staff paused the bot) and did not send: «{ $text }».
