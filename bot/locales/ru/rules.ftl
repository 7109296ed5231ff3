## Service rules: alerts, lists, summaries (staff language) and customer notes
duty-nobody = никого нет на смене!
alert-reply-topic = ⏱ Клиент ждёт ответа уже { $minutes }. На смене:
alert-reply-manager = ⏱ Нарушен срок ответа ({ $reply_sla }): { $customer } (id { $id }) ждёт { $minutes }.
    Тема: { $link }
alert-reply-manager-second = 🚨 ДО СИХ ПОР БЕЗ ОТВЕТА: { $customer } (id { $id }) ждёт { $minutes }. Вмешайтесь, пожалуйста.
    Тема: { $link }
reply-holding = Спасибо, что ждёте, — мы видим ваше сообщение, сотрудник ответит совсем скоро.
alert-callback-missed = 📞 Нарушено обещание перезвонить: с { $customer } (id { $id }, телефон { $phone }) должны были связаться до { $due }.
    Тема: { $link }
alert-complaint-overdue = 📝 Жалоба { $number } от { $customer } (id { $id }) не решена вовремя.
    Тема: { $link }
alert-return-overdue = ↩️ Возврат { $number } от { $customer } (id { $id }) всё ещё ждёт решения.
    Тема: { $link }
alert-insult = 🛑 { $customer } (id { $id }) оскорблял; разговор закрыт. Сообщения сохраняются, но не пересылаются, пока руководитель не откроет его снова (/reopen в теме).
    Переписка: { $link } · /log { $id }
alert-low-rating = ⭐ Низкая оценка { $score }/5 от { $customer } (id { $id }).
    Тема: { $link }
alert-rating-comment = 💬 { $customer } (id { $id }) пояснил низкую оценку { $score }/5: { $comment }
    Тема: { $link }
alert-follow-up-problem = 🔁 { $customer } (id { $id }) сообщает, что проблема с { $number } не решена.
    Тема: { $link }
alert-nobody-on-duty = 👥 В рабочее время в чате сотрудников никого нет на смене. Ответы клиентам ждут, пока кто-нибудь отправит /duty on.
follow-up-question = Пару дней назад мы решили ваше обращение { $number }. Сейчас всё в порядке?
follow-up-ok = 👍 Всё хорошо
follow-up-problem = 👎 Проблема осталась
follow-up-thanks = Спасибо, что сообщили!
follow-up-sorry = Жаль, что всё ещё не так. Руководитель лично разберётся и ответит вам здесь.
morning-list-header = ☀️ Доброе утро! { $count } клиент(ов) написали в нерабочее время и ждут звонка или сообщения:
morning-list-line = • { $customer } · телефон { $phone } · до { $due } · { $link }
morning-list-done = ✅ Связались: { $customer }
morning-list-marked = Отмечено: связались.
daily-summary = 📊 Итоги дня { $date }
    Сообщений от клиентов: { $messages }
    Время ответа (медиана): { $median }
    Ответы в срок ({ $reply_sla }): { $compliance }
    Обратные звонки вовремя: { $callbacks }
    Нарушения: { $breaches }
    Эскалации: { $escalations }
    Открытые жалобы: { $complaints }
    Средняя оценка: { $rating }
duty-now-on = 🟢 { $name } на смене.
duty-now-off = ⚪ { $name } ушёл со смены.
duty-list = На смене: { $names }
duty-usage = Команды: /duty on, /duty off, /duty — кто на смене.
insult-goodbye = Мы хотим помочь, но не можем продолжать разговор с оскорблениями. Мы завершаем этот чат; руководитель изучит его и свяжется с вами.
staff-abuse-done = 🛑 Отмечено как оскорбление; клиенту сообщили, руководители уведомлены.
staff-abuse-already = Этот разговор уже отмечен как оскорбительный.
staff-manager-only = Это может сделать только руководитель.
staff-banned = ⛔ Клиент заблокирован.
staff-unbanned = ✅ Клиент разблокирован.
staff-abuse-lifted = 🔓 Открыто снова: сообщения клиента снова пересылаются.
rating-ask = Как мы справились? Оцените, пожалуйста, этот разговор:
rating-thanks = Спасибо за оценку! Если хотите, напишите комментарий — или нажмите кнопку.
rating-thanks-low = Спасибо за честность. Нам жаль, что мы вас подвели, — руководитель изучит разговор. Если хотите, расскажите, что пошло не так.
rating-skip-comment = Без комментария
rating-comment-saved = Спасибо, ваш комментарий передан.
rating-already = Спасибо — вы уже оценили этот разговор.
