"""The twelve money-topic intents, as the components inside Rasa name them (no imports: Rasa's
environment does not load bot/; bot/topics.py holds the same list for the gateway and actions)."""

MONEY_TOPICS = (
    "debt_help",
    "payment_arrears",
    "rent_housing",
    "energy_water",
    "health_insurance",
    "debt_collector",
    "benefits_toeslagen",
    "income_support",
    "food_basic_needs",
    "budgeting_admin",
    "tax_government_debt",
    "work_future",
)
