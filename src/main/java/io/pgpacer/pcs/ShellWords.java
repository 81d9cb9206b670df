package io.pgpacer.pcs;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a shell script into commands and each command into words as {@code sh} would, for the plain scripts pcs
 * users write: single and double quotes, backslash escapes, backslash-newline continuations, {@code #} comments, and
 * commands separated by newlines or {@code ;}. Nothing is expanded: a {@code $} stays as written.
 */
final class ShellWords {

    private ShellWords() {
    }

    /** The commands of {@code script}, each a list of words, empty commands left out. */
    static List<List<String>> commands(String name, String script) {
        List<List<String>> commands = new ArrayList<>();
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int line = 1;
        int i = 0;
        while (i < script.length()) {
            char c = script.charAt(i);
            if (c == '\\') {
                if (i + 1 < script.length() && script.charAt(i + 1) == '\n') {
                    line++;
                    i += 2;
                    continue;
                }
                if (i + 1 < script.length()) {
                    word.append(script.charAt(i + 1));
                    inWord = true;
                }
                i += 2;
            } else if (c == '\'') {
                int end = script.indexOf('\'', i + 1);
                if (end < 0) {
                    throw unterminated(name, "'", line);
                }
                String quoted = script.substring(i + 1, end);
                line += (int) quoted.chars().filter(ch -> ch == '\n').count();
                word.append(quoted);
                inWord = true;
                i = end + 1;
            } else if (c == '"') {
                int start = line;
                i++;
                while (true) {
                    if (i >= script.length()) {
                        throw unterminated(name, "\"", start);
                    }
                    char q = script.charAt(i);
                    if (q == '"') {
                        break;
                    }
                    if (q == '\\' && i + 1 < script.length() && "\"\\$`\n".indexOf(script.charAt(i + 1)) >= 0) {
                        char escaped = script.charAt(i + 1);
                        if (escaped == '\n') {
                            line++;
                        } else {
                            word.append(escaped);
                        }
                        i += 2;
                        continue;
                    }
                    if (q == '\n') {
                        line++;
                    }
                    word.append(q);
                    i++;
                }
                inWord = true;
                i++;
            } else if (c == '#' && !inWord) {
                while (i < script.length() && script.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '\n' || c == ';') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                if (!words.isEmpty()) {
                    commands.add(List.copyOf(words));
                    words.clear();
                }
                if (c == '\n') {
                    line++;
                }
                i++;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
            } else {
                word.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        if (!words.isEmpty()) {
            commands.add(List.copyOf(words));
        }
        return commands;
    }

    private static ImportException unterminated(String name, String quote, int line) {
        return new ImportException(name + ": the quote " + quote + " opened on line " + line + " is never closed;"
                + " close it so that the script runs in sh as well");
    }
}
