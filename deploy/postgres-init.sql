-- Rasa's tracker store lives next to our tables, in its own database.
CREATE DATABASE geldhulp_rasa OWNER geldhulp;
