/** Name pools for generated people; kept apart so the generator reads as rules, not data. */

/** Given names; mixed origins so usernames and display names look like a real company's. */
export const FIRST_NAMES: readonly string[] = [
  'Aaliyah', 'Adam', 'Aiko', 'Alejandro', 'Alice', 'Amara', 'Anders', 'Ana', 'Arjun', 'Ayumi',
  'Beatriz', 'Ben', 'Bjorn', 'Carla', 'Chen', 'Chloe', 'Daniel', 'Deepa', 'Diego', 'Elena',
  'Emeka', 'Emma', 'Erik', 'Fatima', 'Felix', 'Grace', 'Hana', 'Hassan', 'Ines', 'Ivan',
  'Jack', 'Jana', 'Javier', 'Jin', 'Julia', 'Kai', 'Kemal', 'Laura', 'Leila', 'Liam',
  'Lucia', 'Mai', 'Marco', 'Maria', 'Mateo', 'Mei', 'Mohammed', 'Nadia', 'Nikolai', 'Noah',
  'Olga', 'Omar', 'Priya', 'Rafael', 'Ravi', 'Rosa', 'Sara', 'Sofia', 'Tariq', 'Thomas',
  'Tomasz', 'Uma', 'Victor', 'Wei', 'Yara', 'Yusuf', 'Zanele', 'Zoe',
];

/** Family names. */
export const LAST_NAMES: readonly string[] = [
  'Abara', 'Adeyemi', 'Andersson', 'Bauer', 'Becker', 'Bianchi', 'Brown', 'Castro', 'Chen', 'Cohen',
  'Costa', 'Da Silva', 'Dubois', 'Eriksen', 'Fernandez', 'Fischer', 'Garcia', 'Gonzalez', 'Gupta', 'Hansen',
  'Hernandez', 'Hoffmann', 'Ibrahim', 'Ito', 'Jansen', 'Johnson', 'Kim', 'Kowalski', 'Kumar', 'Larsen',
  'Lee', 'Lopez', 'Martin', 'Meyer', 'Moreau', 'Muller', 'Nakamura', 'Nguyen', 'Novak', 'O\'Brien',
  'Okafor', 'Olsen', 'Park', 'Patel', 'Perez', 'Petrov', 'Ramirez', 'Rossi', 'Sato', 'Schmidt',
  'Schneider', 'Silva', 'Singh', 'Smith', 'Suzuki', 'Tanaka', 'Taylor', 'Van Dijk', 'Wagner', 'Wang',
  'Weber', 'Williams', 'Wilson', 'Wong', 'Yamamoto', 'Yilmaz', 'Zhang', 'Zimmermann',
];
