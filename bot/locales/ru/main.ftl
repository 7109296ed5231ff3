## Customer: greeting and menu
start-greeting = Здравствуйте, { $name }! Я помощник магазина «{ $shop }». Спросите меня о чём угодно или выберите ниже — можно писать и своими словами.
help-text = Я отвечаю на вопросы, принимаю возвраты (чек не нужен), записываю жалобы и соединяю с сотрудником.
    Команды: /menu — меню, /cancel — отменить текущее действие, /language — сменить язык.
menu-prompt = Чем могу помочь?
menu-ask = ❓ Задать вопрос
menu-return = ↩️ Вернуть товар
menu-complaint = 📝 Пожаловаться
menu-person = 👤 Позвать сотрудника
menu-callback = 📞 Заказать звонок
menu-requests = 📋 Мои обращения
cancelled = Отменено. Чем ещё могу помочь?
nothing-to-cancel = Отменять нечего. Чем могу помочь?

## Errors
error-generic = Извините, у нас что-то пошло не так. Ваше сообщение сохранено, его увидит сотрудник.

## Command menu
command-start = Начать сначала
command-menu = Показать меню
command-help = Что я умею
command-cancel = Отменить текущее действие
command-console = Войти в консоль сервиса
command-stats = Показатели сервиса: сегодня и за неделю
command-log = Журнал клиента или заявки файлом

## Customer: handoff
unsupported-content = Извините, я не умею читать такие сообщения. Напишите словами или выберите в меню — или нажмите «Позвать сотрудника».
conversation-resolved = Мы отметили ваше обращение как решённое. Если что-то ещё не так — просто напишите сюда.

## Tickets
ticket-status-new = новая
ticket-status-pending = ждёт решения
ticket-status-approved = одобрен
ticket-status-in_progress = в работе
ticket-status-resolved = решена
ticket-status-rejected = отклонена

## Staff: topic
staff-context-card = 👤 { $name } ({ $username }, id { $id }) · язык: { $language }
    Открытые обращения: { $tickets }
    Почему здесь: { $reason }
    Ответьте в этой теме; сообщение с // — внутренняя заметка. Команды: /resolve /reopen /escalate /canned
handoff-reason-customer = клиент общается с сотрудником
handoff-reason-unhandled = бот не смог обработать сообщение
handoff-reason-person = клиент попросил сотрудника
handoff-reason-faq_miss = нет уверенного ответа в FAQ
handoff-reason-faq_unhelpful = ответ из FAQ не помог
handoff-reason-flow = сценарий закончился «позвать сотрудника»
handoff-reason-callback = клиент попросил перезвонить
handoff-reason-complaint = новая жалоба
handoff-reason-return = возврат ждёт решения
staff-unknown-command = Неизвестная команда: клиенту ничего не отправлено. Команды: /resolve /reopen /escalate /canned /note /pause /resume
staff-free-text-off = Свободные ответы отключены политикой: выберите готовый ответ через /canned.
staff-customer-blocked-bot = Клиент заблокировал бота, сообщение не доставлено.
staff-resolved = ✅ Решено. Клиенту сообщили.
staff-resolved-not-told = ✅ Решено. Клиент заблокировал бота, поэтому ему не сообщили.
staff-abusive-closed = 🚫 Разговор закрыт за оскорбления: бот нашёл оскорбление ({ $matched }). Клиенту вежливо попрощались; ничего не пересылается ни ему, ни от него, пока менеджер не откроет разговор снова (/reopen). Что он написал — копия только для сотрудников:
    { $text }
staff-abusive-later = 🚫 Разговор закрыт за оскорбления, не пересылается. Клиент написал:
    { $text }
staff-rating-comment = 💬 Клиент оценил разговор на { $score }/5 и написал: { $comment }
staff-resolved-complaints = Вместе с ним решена жалоба { $numbers }.
staff-resolved-returns-pending = Всё ещё ждёт вашего решения: возврат { $numbers }.
staff-reopened = 🔄 Открыто снова.
staff-escalated = ⬆️ Передано руководителям (уведомлено: { $count }).
error-conversation-closed = Обращение решено. Чтобы продолжить, используйте /reopen.
error-conversation-open = Обращение ещё открыто.

## Managers
alert-escalated = ⬆️ Эскалация: { $customer } (id { $id }), передал { $by }.
    Заметка: { $note }
    Тема: { $link }
staff-canned-pick = Выберите ответ (язык клиента: { $customer_language }):
staff-canned-sent = Отправлено.
staff-canned-sent-by = 📤 Готовый ответ «{ $title }» отправил { $by }.
staff-canned-preview = Готовый ответ «{ $title }» — клиент прочитает ({ $customer_language }):

    { $text }
staff-canned-send = ✅ Отправить клиенту
staff-canned-back = ⬅️ Другие ответы
stale-button = Эта кнопка больше не активна.
staff-context-detail = Слова клиента: { $detail }

## Customer: FAQ and people
faq-ask-prompt = Выберите тему ниже или напишите вопрос своими словами — я поищу ответ.
faq-did-it-help = Это помогло?
faq-helped-yes = 👍 Да
faq-helped-no = 👎 Нет
faq-glad = Рад, что помог! Что-нибудь ещё?
faq-sorry-offer-person = Извините. Позвать сотрудника?
faq-not-sure = Я не уверен, что знаю правильный ответ, поэтому передал ваш вопрос сотруднику, чтобы не гадать. Вам ответят здесь.
faq-off-topic = Кажется, с этим я здесь не помогу — я отвечаю на вопросы о нашем магазине. Если хотите, подключу сотрудника.
person-connecting = Я передал ваше обращение сотрудникам. Вам скоро ответят здесь.

## Customer: language and requests
language-name = 🇷🇺 Русский
language-prompt = Выберите язык:
language-set = Готово — буду говорить по-русски.
requests-none = У вас пока нет возвратов и жалоб.
requests-header = Ваши обращения:
requests-line-return = ↩️ Возврат { $number } от { $date }: { $status }
requests-line-complaint = 📝 Жалоба { $number } от { $date }: { $status }

## Customer: returns
return-start = Оформим возврат. Чек не нужен. Что вы возвращаете? Опишите в двух словах.
return-ask-when = Примерно когда вы это купили?
return-when-this_week = На этой неделе
return-when-this_month = В этом месяце
return-when-earlier = Раньше
return-when-unsure = Не помню
return-ask-reason = Почему возвращаете?
return-reason-defective = Брак
return-reason-damaged = Повреждено при доставке
return-reason-wrong_item = Не тот товар
return-reason-not_fit = Не подошло / не как в описании
return-reason-changed_mind = Передумал(а)
return-reason-other = Другое
return-ask-photo = Если можете, пришлите фото товара. Или пропустите этот шаг.
return-photo-skip = Пропустить
return-ask-amount = Сколько вы заплатили? Достаточно числа.
return-bad-amount = Не получилось понять сумму. Пришлите просто число, например 450.
return-need-text = Пожалуйста, ответьте словами (или /cancel, чтобы отменить).
return-need-button = Пожалуйста, выберите одну из кнопок выше (или /cancel, чтобы отменить).
return-approved = ✅ Возврат { $number } одобрен. Без чека и без лишних вопросов.
return-pending = Спасибо. Возврат { $number } передан сотрудникам на решение — обычно в течение { $hours } рабочих часов. Я сообщу вам здесь.
return-staff-approved = ✅ Хорошие новости: возврат { $number } одобрен.
return-staff-rejected = К сожалению, возврат { $number } не удалось одобрить. Сотрудник объяснит причину и предложит, что можно сделать.
refund-ask = Как вернуть деньги?
refund-card = 💳 На карту
refund-cash = 💵 Наличными в пункте выдачи
refund-credit = 🎁 Бонусами магазина
refund-chosen = Возврат { $number }: { $method }. Спасибо!
ticket-already-decided = По этому обращению решение уже принято.
ticket-bad-transition = Это обращение нельзя перевести в такой статус из текущего.

## Customer: complaints
complaint-start = Сожалеем, что так вышло. Расскажите, пожалуйста, что случилось — так подробно, как хотите.
complaint-ask-photos = Спасибо, что рассказали. Если есть фото, пришлите их сейчас, затем нажмите кнопку.
complaint-send = Отправить жалобу
complaint-photo-added = Фото добавлено ({ $count }). Пришлите ещё или нажмите кнопку.
complaint-too-many-photos = Больше фото за раз принять не можем ({ $max }). Нажмите кнопку, чтобы отправить.
complaint-need-text = Опишите, пожалуйста, что случилось, словами или пришлите фото (или /cancel, чтобы отменить).
complaint-registered = Жалоба { $number } зарегистрирована. Мы вас услышали и сожалеем о неудобствах. Сотрудники уже разбираются и будут держать вас в курсе здесь.
complaint-status-changed = Статус жалобы { $number }: { $status }.

## Staff: tickets
staff-return-card = ↩️ Возврат { $number } — { $status }
    Товар: { $item }
    Куплено: { $when }
    Причина: { $reason }
    Сумма: { $amount }
staff-approve = ✅ Одобрить
staff-reject = ❌ Отклонить
staff-decision-saved = Сохранено.
staff-decided-by = Решение: { $by }.
staff-complaint-card = 📝 Жалоба { $number } — { $status }
    { $text }
    Фото: { $photos }
staff-complaint-to-in_progress = 🔧 В работу
staff-complaint-to-resolved = ✅ Решена
staff-complaint-to-rejected = ❌ Отклонена
customer-blocked = Извините, мы больше не можем продолжать этот разговор здесь. У руководителя есть все детали вашего обращения; по срочным вопросам обращайтесь в магазин напрямую.

## Customer: callback
callback-ask-phone = Мы вам перезвоним. Нажмите кнопку, чтобы поделиться номером, — или напишите номер или удобное время.
callback-share-phone = 📱 Поделиться номером
callback-no-phone = ✍️ Лучше напишите мне здесь
callback-own-number = Пожалуйста, поделитесь своим номером кнопкой ниже.
callback-detail = Перезвонить на { $phone }
callback-promised = Спасибо! Вы в списке на обратный звонок; сотрудник скоро с вами свяжется.
after-hours-promise = Сейчас мы не работаем, но ваше сообщение уже у сотрудников. С вами свяжутся не позднее { $due }. Если удобнее, чтобы мы позвонили, нажмите кнопку и поделитесь номером.
callback-promised-by = Спасибо! Сейчас мы не работаем; вы в списке на обратный звонок, и сотрудник свяжется с вами не позднее { $due }.
after-hours-noted = Сейчас мы не работаем, но ваше обращение уже у сотрудников. С вами свяжутся не позднее { $due }.
staff-context-callback = ⏰ Нерабочее время: обещали связаться до { $due }.
