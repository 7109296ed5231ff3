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
