package copilot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameSet holds names the redactor was told (AddNames), normalised, for
// lookup by position rather than by scanning the text once per name: a
// store may know a hundred thousand customers.
type nameSet struct {
	han      map[string]bool // Chinese names, 2–4 characters
	latin    map[string]bool // Latin-script names, whole words
	maxWords int
}

func (n *nameSet) add(name string) {
	name = strings.Join(strings.Fields(normalize(name).s), " ")
	if name == "" || strings.ContainsAny(name, "[]") {
		return
	}
	runes := utf8.RuneCountInString(name)
	if isHanString(name) {
		if runes >= 2 && runes <= 4 {
			if n.han == nil {
				n.han = map[string]bool{}
			}
			n.han[name] = true
		}
		return
	}
	letters := 0
	for _, c := range name {
		if unicode.IsLetter(c) {
			letters++
		}
		if unicode.Is(unicode.Han, c) {
			return // mixed scripts: nothing sensible to match on
		}
	}
	if letters < 3 {
		return
	}
	if n.latin == nil {
		n.latin = map[string]bool{}
	}
	n.latin[name] = true
	n.maxWords = max(n.maxWords, len(strings.Fields(name)))
}

func isHanString(s string) bool {
	for _, c := range s {
		if !unicode.Is(unicode.Han, c) && c != '·' {
			return false
		}
	}
	return s != ""
}

// zhSurnames are the common Chinese family names (single and double) a
// name found by context must start with, so "找高手" masks 高手 but "找到了"
// masks nothing.
const zhSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"

var zhDoubleSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙", "宇文", "司徒", "夏侯", "端木", "公孙"}

// zhNameStop are characters that end a name found by context: "王芳的手机".
const zhNameStop = "的了在是说和跟打买给要想也都就让把被电手号地家呢吗啊吧我你他她们说讲来去很已还又再这那说过着对与及或"

var (
	// A Chinese name after a cue: a greeting (您好，孙悦), self-introduction
	// (我叫王芳), a role (收件人：王芳) or a relation (我老婆王芳).
	reZHNameCue = regexp.MustCompile(`(?:您好|你好|亲爱的|尊敬的|我叫|我是|名叫|叫做|姓名|名字是|名字叫|收件人|收货人|联系人|寄件人|持卡人|户主|老婆|老公|妻子|丈夫|爱人|儿子|女儿|妈妈|爸爸|母亲|父亲|哥哥|姐姐|弟弟|妹妹|朋友|同事|室友|转告|联系|麻烦|代|找)[ ,:：]*`)
	// A Chinese family name and a title: 王先生, 李女士, 欧阳经理.
	reZHTitle = regexp.MustCompile(`\p{Han}{1,3}(?:先生|女士|小姐|太太|老师|经理|师傅|同学)`)
	// Latin names after a greeting or a title, or in an introduction.
	reENNameCue = regexp.MustCompile(`\b(?:(?:Hi|Hello|Hey|Dear|Thanks|Thank you)\s+(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+)?|(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+|(?i:my name is|this is|call me|name:)\s+)` +
		`([A-Z][\p{Latin}'\-]+(?:\s+[A-Z][\p{Latin}'\-]+)?)`)
)

// enNotNames are capitalised words a greeting cue may be followed by that
// are not names: "Hi there", "Dear Sir", "Thanks Team".
var enNotNames = map[string]bool{"There": true, "Sir": true, "Madam": true, "Team": true, "All": true, "Everyone": true,
	"Support": true, "Customer": true, "Again": true, "So": true, "For": true, "You": true, "Guys": true, "Folks": true,
	"Agent": true, "The": true, "I": true, "It": true, "We": true, "Please": true, "Very": true, "Much": true, "Is": true,
	"Mr": true, "Mrs": true, "Ms": true, "Miss": true, "Dr": true, "Prof": true}

// nameSpans finds names: the known ones (AddNames), and names by context.
func (r *Redactor) nameSpans(s string, add func(span)) {
	r.knownNames(s, add)
	for _, l := range reZHNameCue.FindAllStringIndex(s, -1) {
		if n := zhNameAt(s[l[1]:]); n > 0 {
			add(span{l[1], l[1] + n, PIIName})
		}
	}
	for _, l := range reZHTitle.FindAllStringIndex(s, -1) {
		if a, b := zhTitledName(s[l[0]:l[1]]); b > a {
			add(span{l[0] + a, l[0] + b, PIIName})
		}
	}
	for _, m := range reENNameCue.FindAllStringSubmatchIndex(s, -1) {
		a, b := m[2], m[3]
		words := strings.Fields(s[a:b])
		if enNotNames[words[0]] {
			continue
		}
		if len(words) == 2 && enNotNames[words[1]] {
			b = a + len(words[0])
		}
		add(span{a, b, PIIName})
	}
}

// zhTitledName finds the name before the title that ends m ("王先生",
// "欧阳娜娜女士"): its byte range in m, empty when what stands before the
// title is no name. The title itself stays readable.
func zhTitledName(m string) (int, int) {
	for _, t := range zhTitles {
		if !strings.HasSuffix(m, t) {
			continue
		}
		prefix := m[:len(m)-len(t)]
		// the longest suffix of prefix that is a family name plus at most
		// two given-name characters
		for i := 0; i < len(prefix); {
			rest := prefix[i:]
			if n := surnameAt(rest); n > 0 && utf8.RuneCountInString(rest[n:]) <= 2 && !strings.ContainsAny(rest[n:], zhNameStop) {
				return i, len(prefix)
			}
			_, size := utf8.DecodeRuneInString(rest)
			i += size
		}
	}
	return 0, 0
}

var zhTitles = []string{"先生", "女士", "小姐", "太太", "老师", "经理", "师傅", "同学"}

func titleAt(s string) bool {
	for _, t := range zhTitles {
		if strings.HasPrefix(s, t) {
			return true
		}
	}
	return false
}

// surnameAt is the byte length of a family name at the start of s, or 0.
func surnameAt(s string) int {
	for _, d := range zhDoubleSurnames {
		if strings.HasPrefix(s, d) {
			return len(d)
		}
	}
	c, size := utf8.DecodeRuneInString(s)
	if strings.ContainsRune(zhSurnames, c) {
		return size
	}
	return 0
}

// zhNameAt is the byte length of a Chinese name (family name + one or two
// given-name characters) at the start of s, or 0.
func zhNameAt(s string) int {
	n := surnameAt(s)
	if n == 0 {
		return 0
	}
	given := 0
	for given < 2 {
		c, size := utf8.DecodeRuneInString(s[n:])
		if !unicode.Is(unicode.Han, c) || strings.ContainsRune(zhNameStop, c) || given == 1 && titleAt(s[n:]) {
			break
		}
		if titleAt(s[n:]) {
			break
		}
		n += size
		given++
	}
	if given == 0 {
		return 0
	}
	return n
}

// knownNames finds the names AddNames was given: Chinese names anywhere
// (longest first), Latin names as whole words.
func (r *Redactor) knownNames(s string, add func(span)) {
	r.names.find(s, add)
	for _, n := range r.shared {
		n.find(s, add)
	}
}

func (n *nameSet) find(s string, add func(span)) {
	if len(n.han) > 0 {
		for i := 0; i < len(s); {
			c, size := utf8.DecodeRuneInString(s[i:])
			if !unicode.Is(unicode.Han, c) {
				i += size
				continue
			}
			found := 0
			end := i
			for k := 0; k < 4 && end < len(s); k++ {
				c2, sz := utf8.DecodeRuneInString(s[end:])
				if !unicode.Is(unicode.Han, c2) && c2 != '·' {
					break
				}
				end += sz
				if k >= 1 && n.han[s[i:end]] {
					found = end
				}
			}
			if found > 0 {
				add(span{i, found, PIIName})
				i = found
				continue
			}
			i += size
		}
	}
	if len(n.latin) > 0 {
		words := wordSpans(s)
		for i := 0; i < len(words); i++ {
			for k := min(n.maxWords, len(words)-i); k >= 1; k-- {
				a, b := words[i][0], words[i+k-1][1]
				if n.latin[strings.Join(strings.Fields(s[a:b]), " ")] {
					add(span{a, b, PIIName})
					i += k - 1
					break
				}
			}
		}
	}
}

// wordSpans are the byte ranges of Latin words (letters, digits, ' and -)
// in s.
func wordSpans(s string) [][2]int {
	var out [][2]int
	start := -1
	for i, c := range s {
		word := unicode.IsLetter(c) && !unicode.Is(unicode.Han, c) || unicode.IsDigit(c) || c == '\'' || c == '-'
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}
