"""Local Amazon WorkMail API emulator."""
