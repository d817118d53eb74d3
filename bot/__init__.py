"""Vietnamese career-guidance assistant for grade-9 students of former Vĩnh Phúc."""
