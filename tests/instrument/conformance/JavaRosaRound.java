// Reference values for round(x, digits): JavaRosa's own algorithm, run on the JVM.
//
// round() below is copied from getodk/javarosa@d686d1bc985859f5a2789178fc32ea3595dfe316:
// src/main/java/org/javarosa/xpath/expr/XPathFuncExpr.java (Apache-2.0, see LICENSE-javarosa).
// Prints 2,000 seeded cases as CSV: the value as its IEEE bits (hex) and as Java prints it,
// the digits, and JavaRosa's result (bits). Regenerate round_cases.csv with:
//   javac -d /tmp/jr JavaRosaRound.java && java -cp /tmp/jr JavaRosaRound > round_cases.csv
import java.math.BigDecimal;
import java.util.Random;

public class JavaRosaRound {
    private static Double round(double number, int numDecimals) {
        if (Double.isNaN(number) || Double.isInfinite(number)) {
            return number;
        }
        if (numDecimals > 30 || numDecimals < -30) {
            return Double.NaN;
        }
        if (numDecimals >= 0) {
            try {
                int method = (number < 0) ? BigDecimal.ROUND_HALF_DOWN : BigDecimal.ROUND_HALF_UP;
                return (new BigDecimal(Double.toString(number))).setScale(numDecimals, method).doubleValue();
            } catch (NumberFormatException ex) {
                return Double.isInfinite(number) ? number : Double.NaN;
            }
        }
        final BigDecimal numScaled = BigDecimal.valueOf(number).scaleByPowerOfTen(numDecimals);
        final BigDecimal numRounded = BigDecimal.valueOf((double) ((long) (numScaled.doubleValue() + 0.5)));
        return numRounded.scaleByPowerOfTen(-numDecimals).doubleValue();
    }

    public static void main(String[] args) {
        Random random = new Random(13);
        System.out.println("value_bits,value,digits,javarosa_bits");
        for (int i = 0; i < 2000; i++) {
            double value;
            int digits;
            if (i % 2 == 0) {  // a tie in decimal text, e.g. 1.005 or -12.345 rounded to 2
                digits = random.nextInt(4);
                long units = random.nextInt(2000000) - 1000000;
                value = (units * 10 + 5) / Math.pow(10, digits + 1);
            } else {           // any double, any digits from -3 to 6
                digits = random.nextInt(10) - 3;
                value = (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(9));
            }
            double result = round(value, digits);
            System.out.println(Long.toHexString(Double.doubleToRawLongBits(value)) + "," + value + ","
                + digits + "," + Long.toHexString(Double.doubleToRawLongBits(result)));
        }
    }
}
