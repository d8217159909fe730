<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>Badge</name>
    <message>
        <location filename="../../gui/views/group_view.py" line="39"/>
        <source>MARKED</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/group_view.py" line="40"/>
        <source>KEEP</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/group_view.py" line="41"/>
        <source>PROTECTED</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/group_view.py" line="42"/>
        <source>NOT SURE</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Card</name>
    <message>
        <location filename="../../gui/views/group_view.py" line="59"/>
        <source>no capture date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/group_view.py" line="60"/>
        <source>reference</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/group_view.py" line="60"/>
        <source>score {score} vs reference</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/group_view.py" line="64"/>
        <source>no camera info</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/group_view.py" line="167"/>
        <source>cannot show: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/group_view.py" line="169"/>
        <source>loading…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CompareView</name>
    <message>
        <location filename="../../gui/views/compare_view.py" line="42"/>
        <source>Compare — Doppel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="95"/>
        <source>Fit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="96"/>
        <source>Fit both images in view (F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="102"/>
        <source>100%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="103"/>
        <source>Left image at 100% (1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="109"/>
        <source>Swap sides</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="110"/>
        <source>Swap left and right (S)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="116"/>
        <source>Flicker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="117"/>
        <source>Alternate both images in one place (X)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="123"/>
        <source>Difference</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="124"/>
        <source>Show where the two images differ (D)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="130"/>
        <source>Not a duplicate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="131"/>
        <source>Remember that these two are different photos (N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="137"/>
        <source>Is a duplicate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="138"/>
        <source>Remember that these two are the same photo (Y)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="341"/>
        <source>Flicker: showing the right image ({name})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/compare_view.py" line="343"/>
        <source>Flicker: showing the left image ({name})</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Confirm</name>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="13"/>
        <source>Move to trash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="14"/>
        <source>Move files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="15"/>
        <source>Replace with hard links</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="16"/>
        <source>Replace with symbolic links</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="21"/>
        <source>{count} file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="21"/>
        <source>{count} files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="27"/>
        <source>a hard link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="27"/>
        <source>a symbolic link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="28"/>
        <source>Replace {files} ({size}) with {link} to the copy their group keeps?

Each file stays where it is, as {link}, and the space its own copy took is freed. Only byte-identical copies are replaced; each is compared byte for byte first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="36"/>
        <source>{files} marked differs from the copy kept</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="38"/>
        <source>{files} marked differ from the copy kept</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="41"/>
        <source> (similar, not identical) and will be skipped: a link would lose their own pixels. Move those to the trash instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="47"/>
        <source>

Hard links work only on the same drive as the kept copy; other files are skipped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="51"/>
        <source>

A symbolic link breaks if the kept copy is later moved or deleted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="52"/>
        <source>

You can undo this afterwards (Actions ▸ Undo): each file gets its own copy back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="62"/>
        <source>Move {files} to the system trash?

Each file is checked again first; a file that changed since the scan is skipped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/confirm.py" line="67"/>
        <source>Move {files} to
{dest}?

You can undo the move afterwards (Actions ▸ Undo).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FileActions</name>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="30"/>
        <source>Moved to the trash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="31"/>
        <source>Moved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="32"/>
        <source>Replaced by hard links</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="33"/>
        <source>Replaced by symbolic links</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="36"/>
        <source>Restored from the trash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="37"/>
        <source>Moved back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="38"/>
        <location filename="../../gui/controllers/file_actions.py" line="39"/>
        <source>Given their own copies back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="74"/>
        <source>Nothing is marked. Mark files with Space or Delete, or use Auto-mark.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="80"/>
        <source>Another file action is still running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="97"/>
        <source>Move marked files to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="128"/>
        <source>None of the marked files is byte-identical to the copy its group keeps: a link would lose their own pixels. Move them to the trash instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="156"/>
        <location filename="../../gui/controllers/file_actions.py" line="200"/>
        <source>Recovered after an interrupted action: {message}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="162"/>
        <source>Settled {count} file actions a crash had interrupted (see Messages).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="184"/>
        <source>Put back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="207"/>
        <source>{verb}: {count} files ({size}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/file_actions.py" line="211"/>
        <source>{count} skipped (see Messages): {reason}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FolderPanel</name>
    <message>
        <location filename="../../gui/views/folder_panel.py" line="45"/>
        <source>Add folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/folder_panel.py" line="47"/>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/folder_panel.py" line="50"/>
        <source>e.g. *.tmp, */thumbnails/*</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/folder_panel.py" line="52"/>
        <source>Glob patterns, separated by commas; matching files and folders are not scanned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/folder_panel.py" line="60"/>
        <source>&lt;b&gt;Folders&lt;/b&gt; (drop folders here; tick = protected)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/folder_panel.py" line="65"/>
        <source>Exclude patterns:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/folder_panel.py" line="110"/>
        <source>Add a folder to scan</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImagePane</name>
    <message>
        <location filename="../../gui/views/image_pane.py" line="48"/>
        <source>loading…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../gui/mainwindow.py" line="72"/>
        <source>Doppel — duplicate photo finder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/mainwindow.py" line="100"/>
        <location filename="../../gui/mainwindow.py" line="269"/>
        <source>Scan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/mainwindow.py" line="101"/>
        <source>Scan the folders for duplicates (Ctrl+R)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/mainwindow.py" line="110"/>
        <source>Filter by path or name (Ctrl+F)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/mainwindow.py" line="269"/>
        <source>Scanning…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/mainwindow.py" line="301"/>
        <source>{shown} of {total} groups</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MarkRules</name>
    <message>
        <location filename="../../gui/menus.py" line="102"/>
        <source>the suggested keeper</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="103"/>
        <source>the highest resolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="104"/>
        <source>the largest file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="105"/>
        <source>the oldest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="106"/>
        <source>the newest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="107"/>
        <source>one in a preferred folder</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MarksController</name>
    <message>
        <location filename="../../gui/controllers/marks.py" line="32"/>
        <source>Marked {count} files, keeping one per group.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/marks.py" line="34"/>
        <source> {count} groups are not sure (tinted): review them; their unsure files stay.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MemberMenu</name>
    <message>
        <location filename="../../gui/controllers/member_menu.py" line="56"/>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/member_menu.py" line="57"/>
        <source>Show in folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/member_menu.py" line="58"/>
        <source>Copy path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/member_menu.py" line="83"/>
        <source>{name} is no longer there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/member_menu.py" line="88"/>
        <source>Could not open {path}: the desktop has no app for it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/member_menu.py" line="101"/>
        <source>Could not show {path} in its folder: {program} did not start.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/member_menu.py" line="113"/>
        <source>Copied {path}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Menus</name>
    <message>
        <location filename="../../gui/menus.py" line="96"/>
        <source>Doppel finds duplicate and near-duplicate photos.
Removed files go to the system trash; moves, trash and link replacements can be undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="189"/>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="190"/>
        <source>Add folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="191"/>
        <source>Scan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="192"/>
        <source>Cancel scan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="197"/>
        <source>Open results…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="199"/>
        <source>Results saved earlier</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="204"/>
        <source>Save results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="206"/>
        <source>Groups, keepers and marks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="208"/>
        <source>Save results as…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="212"/>
        <source>Export as CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="214"/>
        <source>One row per file: group, path, state, score…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="220"/>
        <source>Open the current file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="222"/>
        <source>In the app your desktop uses for it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="225"/>
        <source>Show in folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="225"/>
        <source>In the file manager</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="228"/>
        <source>Preferences…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="229"/>
        <source>Skipped files and messages…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="231"/>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="251"/>
        <source>&amp;Edit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="255"/>
        <source>Copy path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="257"/>
        <source>The current file&apos;s path, to the clipboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="262"/>
        <source>Filter the groups</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="264"/>
        <source>By path or file name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="267"/>
        <source>&amp;Mark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="268"/>
        <source>Toggle mark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="268"/>
        <source>Space in the lists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="269"/>
        <source>Mark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="269"/>
        <source>Delete in the lists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="271"/>
        <source>Auto-mark: keep…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="273"/>
        <source>Keep {what}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="276"/>
        <source>Auto-mark by the chosen rule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="277"/>
        <source>Clear all marks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="293"/>
        <source>&amp;Actions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="294"/>
        <source>Move marked to trash…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="295"/>
        <source>Move marked to folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="300"/>
        <source>Replace with hard links…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="301"/>
        <source>Byte-identical copies become hard links to the kept copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="306"/>
        <source>Replace with symbolic links…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="307"/>
        <source>Byte-identical copies become links to the kept copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="313"/>
        <source>Undo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="315"/>
        <source>Undo the last move, trash or link replacement</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="319"/>
        <source>&amp;Pair</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="320"/>
        <source>Compare with keeper</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="320"/>
        <source>Enter in the lists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="321"/>
        <source>Not a duplicate (of the keeper)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="322"/>
        <source>Is a duplicate (of the keeper)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="324"/>
        <source>M&amp;odel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="328"/>
        <source>Improve the model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="329"/>
        <source>Fine-tune on the pairs you marked Is / Not a duplicate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="331"/>
        <source>Model versions…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="349"/>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="350"/>
        <location filename="../../gui/menus.py" line="391"/>
        <source>Keyboard shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="352"/>
        <location filename="../../gui/menus.py" line="353"/>
        <source>About Doppel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="370"/>
        <source>Main</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="377"/>
        <source> Keep: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="382"/>
        <source>Auto-mark</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../../gui/views/messages.py" line="90"/>
        <source>Skipped: {skipped} · Messages: {messages}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ModelsDialog</name>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="107"/>
        <source>Improve the model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="112"/>
        <source>Learning from the pairs you marked “Is / Not a duplicate”…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="175"/>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="212"/>
        <source>Switched back to {version}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="226"/>
        <location filename="../../gui/dialogs/models_dialog.py" line="308"/>
        <location filename="../../gui/dialogs/models_dialog.py" line="331"/>
        <source>Model versions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="231"/>
        <source>Use selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="232"/>
        <source>Use the bundled model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="233"/>
        <source>Remove…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="234"/>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="248"/>
        <source>Scans use the model marked “in use”. Versions come from Model › Improve the model…; the bundled model is never changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="284"/>
        <source>   (in use)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="322"/>
        <source>Remove version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/models_dialog.py" line="323"/>
        <source>Delete version {model_id}?</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Pairs</name>
    <message>
        <location filename="../../gui/controllers/pairs.py" line="91"/>
        <source>Compare — {where} — Doppel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/pairs.py" line="115"/>
        <source>That was the last group.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/pairs.py" line="117"/>
        <source>That was the first group.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/pairs.py" line="170"/>
        <location filename="../../gui/controllers/pairs.py" line="173"/>
        <source>Could not store the label: {message}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Problems</name>
    <message>
        <location filename="../../gui/dialogs/problems.py" line="29"/>
        <source>Skipped files and messages — Doppel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/problems.py" line="38"/>
        <source>Skipped files (0)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/problems.py" line="39"/>
        <source>Messages (0)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/problems.py" line="52"/>
        <source>Skipped files ({count})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/problems.py" line="57"/>
        <source>Messages ({count})</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="17"/>
        <source>Loading the model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="18"/>
        <source>Finding images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="19"/>
        <source>Comparing bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="20"/>
        <source>Analysing images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="21"/>
        <source>Finding similar pairs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="22"/>
        <source>Checking close pairs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="23"/>
        <source>Grouping</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="24"/>
        <source>Moving to the trash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="25"/>
        <source>Moving files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="43"/>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="44"/>
        <source>Stop the scan (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/progress_panel.py" line="83"/>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Results</name>
    <message>
        <location filename="../../gui/controllers/results.py" line="134"/>
        <source>Could not re-check the listed files: {msg}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results.py" line="187"/>
        <source>Could not re-form the groups: {msg}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResultsController</name>
    <message>
        <location filename="../../gui/controllers/results.py" line="148"/>
        <source>{count} listed files are gone (deleted or moved outside Doppel) and left the groups</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results.py" line="154"/>
        <source>{count} changed since the scan; scan again to update them</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results.py" line="207"/>
        <source>Scanning… (progress in the status bar)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results.py" line="209"/>
        <source>Add folders and press Scan.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results.py" line="213"/>
        <source>&lt;b&gt;{groups}&lt;/b&gt; groups · &lt;b&gt;{files}&lt;/b&gt; files could go (&lt;b&gt;{size}&lt;/b&gt;) · marked: &lt;b&gt;{marked}&lt;/b&gt; ({marked_size})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results.py" line="223"/>
        <source> · &lt;b&gt;{count}&lt;/b&gt; not sure: review them</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResultsFile</name>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="32"/>
        <location filename="../../gui/controllers/results_file.py" line="33"/>
        <source>Doppel results (*.json);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="34"/>
        <source>CSV (*.csv);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="42"/>
        <source>Open results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="46"/>
        <source>Save results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="48"/>
        <source>Export as CSV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="95"/>
        <source>Nothing to save yet: scan first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="112"/>
        <source>Could not save the results to {path}: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="119"/>
        <source>Saved {count} groups to {path}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="126"/>
        <source>No groups to export.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="136"/>
        <source>Could not export to {path}: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="142"/>
        <source>Exported {count} files to {path}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="162"/>
        <source>Could not open the results: {msg}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResultsFileController</name>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="172"/>
        <source>Opened {count} groups from {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/results_file.py" line="178"/>
        <source> {count} files were left out, gone ({gone}) or changed ({changed}) since the results were saved; scan again to see them as they are now.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="51"/>
        <source>Group / file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="52"/>
        <source>Reclaimable / size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="53"/>
        <source>Similarity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="54"/>
        <source>Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="71"/>
        <source>Not sure: some files in this group scored below the level where Doppel is sure they are copies. Review before deleting; Auto-mark leaves those files unmarked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="163"/>
        <source>{n} identical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="163"/>
        <source>{n} similar</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="165"/>
        <source>  · not sure</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="170"/>
        <source>identical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="182"/>
        <source>{tip}
Keeper: {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="212"/>
        <source>  (keeper)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/itemmodels/results_model.py" line="216"/>
        <source>reference</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Scan</name>
    <message>
        <location filename="../../gui/controllers/scan.py" line="98"/>
        <source>Add at least one folder to scan (button, File menu, or drop a folder on the list).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/scan.py" line="137"/>
        <source>Scan cancelled; what was analysed is cached for the next scan.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/scan.py" line="139"/>
        <source>Scan cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/scan.py" line="162"/>
        <source>The scan failed: {message}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/scan.py" line="174"/>
        <source>Scanned {files} files in {time}: {groups} groups</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/scan.py" line="180"/>
        <source>, {count} skipped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/controllers/scan.py" line="182"/>
        <source> (see Messages about the cache)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="31"/>
        <source>Not in a backup/export folder, not named like a copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="32"/>
        <source>Straight from a camera (camera EXIF, JPEG/HEIC/RAW)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="33"/>
        <source>Highest resolution</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="34"/>
        <source>Largest file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="35"/>
        <source>Oldest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="36"/>
        <source>Newest</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="37"/>
        <source>Shortest path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="40"/>
        <source>Keep both (auto-mark marks neither)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="41"/>
        <source>Keep the RAW (the JPEG may go)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="42"/>
        <source>Keep the JPEG (the RAW may go)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="51"/>
        <source>Preferences — Doppel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="53"/>
        <source>Use the model&apos;s calibrated threshold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="68"/>
        <source>auto: OpenVINO on the CPU (faster), torch on a GPU</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="110"/>
        <source>Ticked rules pick the suggested keeper, first rule first; drag to reorder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="77"/>
        <source>A camera RAW and the JPEG shot with it (same name, same folder) are one group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="81"/>
        <source>A keeper in one of these folders wins before the rules (separate with ;)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="83"/>
        <source>Cache image analysis between scans</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="86"/>
        <source>default location</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="87"/>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="92"/>
        <source>Include hidden files and folders</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="95"/>
        <source>Byte-identical files only (fast, no image analysis)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="99"/>
        <source>Check near misses by geometry (finds small crops and screenshots; slower)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="124"/>
        <source>Similarity threshold:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="126"/>
        <source>Device:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="127"/>
        <source>Inference runtime:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="128"/>
        <source>Suggested keeper:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="129"/>
        <source>RAW + JPEG of one shot:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="130"/>
        <source>Preferred folders:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="131"/>
        <source>Cache:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="132"/>
        <source>Cache file:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/settings_dialog.py" line="146"/>
        <source>Cache file</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <location filename="../../gui/menus.py" line="34"/>
        <source>Ctrl+Shift+O</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="34"/>
        <source>Add a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="35"/>
        <source>Ctrl+R</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="35"/>
        <source>Scan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="36"/>
        <source>Esc</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="36"/>
        <source>Cancel the scan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="38"/>
        <source>Ctrl+O / Ctrl+S / Ctrl+Shift+S</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="39"/>
        <source>Open / save / save as: the results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="41"/>
        <source>Ctrl+E</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="41"/>
        <source>Export the results as CSV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="43"/>
        <source>Ctrl+F</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="44"/>
        <source>Filter the groups by path or file name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="47"/>
        <source>Up / Down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="48"/>
        <source>Previous / next group (or row in the list)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="51"/>
        <source>Left / Right</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="52"/>
        <source>Previous / next member of the group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="54"/>
        <source>In the list: + / -</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="54"/>
        <source>Open / close a group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="55"/>
        <source>Space</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="55"/>
        <source>Toggle the mark on the current file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="56"/>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="56"/>
        <source>Mark the current file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="58"/>
        <source>Enter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="59"/>
        <source>Compare the current file with the keeper</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="62"/>
        <source>Ctrl+Enter / Ctrl+Shift+Enter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="63"/>
        <source>Open the current file / show it in its folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="65"/>
        <source>Ctrl+Shift+C</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="65"/>
        <source>Copy the current file&apos;s path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="66"/>
        <source>Ctrl+M</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="66"/>
        <source>Auto-mark by the chosen rule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="67"/>
        <source>Ctrl+Shift+M</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="67"/>
        <source>Clear all marks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="68"/>
        <source>Ctrl+Del</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="68"/>
        <source>Move marked files to the trash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="69"/>
        <source>Ctrl+Shift+V</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="69"/>
        <source>Move marked files to a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="71"/>
        <source>Ctrl+Z</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="72"/>
        <source>Undo the last move, trash or link replacement</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="75"/>
        <source>In compare: F / 1 / + / -</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="76"/>
        <source>Fit / 100% / zoom in / zoom out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="79"/>
        <source>In compare: S / X / D</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="80"/>
        <source>Swap sides / flicker / difference</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="83"/>
        <source>In compare: N / Y</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="84"/>
        <source>Not a duplicate / is a duplicate, then the next pair</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="87"/>
        <source>In compare: Shift+Left / Shift+Right</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="88"/>
        <source>Previous / next pair</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="91"/>
        <source>In compare: PgUp / PgDn</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="92"/>
        <source>Previous / next group (also Shift+Up / Shift+Down)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="94"/>
        <source>In compare: Esc</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/menus.py" line="94"/>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ThresholdSlider</name>
    <message>
        <location filename="../../gui/views/threshold_slider.py" line="25"/>
        <source>Similarity threshold: pairs scoring at least this are grouped (no rescan needed)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../../gui/views/threshold_slider.py" line="37"/>
        <source>Similarity ≥</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
